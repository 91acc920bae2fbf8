/* Printing a review page opens every collapsed explanation (rule steps) and closes them again
   afterwards. Details that hold a form (a line decision) stay as they are: forms are not printed.
   CSS (::details-content in portal.css) does the same where the browser supports it. */
(function () {
  "use strict";
  var opened = [];
  window.addEventListener("beforeprint", function () {
    var all = document.querySelectorAll("details:not([open])");
    for (var i = 0; i < all.length; i++) {
      if (!all[i].querySelector("form")) {
        all[i].open = true;
        opened.push(all[i]);
      }
    }
  });
  window.addEventListener("afterprint", function () {
    while (opened.length) opened.pop().open = false;
  });
})();
