// Card payment with Stripe.js: confirm the PaymentIntent, then show the order as "processing".
// The order becomes paid only when Stripe's signed webhook reaches the market, never from here.
(function () {
  "use strict";
  var root = document.getElementById("stripe-payment");
  if (!root || typeof window.Stripe !== "function") {
    return;
  }
  var stripe = window.Stripe(root.dataset.publishableKey);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var form = document.getElementById("card-form");
  var button = document.getElementById("card-pay");
  var errors = document.getElementById("card-errors");
  var processing = document.getElementById("card-processing");

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    processing.hidden = false;
    stripe
      .confirmCardPayment(root.dataset.clientSecret, { payment_method: { card: card } })
      .then(function (result) {
        if (result.error) {
          processing.hidden = true;
          errors.textContent = root.dataset.errorMessage;
          button.disabled = false;
          return;
        }
        window.location.assign(root.dataset.returnUrl);
      });
  });
})();
