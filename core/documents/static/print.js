// The print button of the document pages (an external file: the CSP forbids inline scripts).
document.addEventListener("DOMContentLoaded", function () {
  var buttons = document.querySelectorAll("[data-fatong-print]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function () { window.print(); });
  }
});
