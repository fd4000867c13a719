"""Real-browser journeys (Playwright driving the system Chromium); run by `make e2e`."""
