// The signers' table of a joint letter (public/_signers.html): "Add 5 rows" adds them in
// the page instead of sending the form back. Without this script the button still works
// (the server adds the rows); nothing here is needed to file a letter.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[name='signers_more']");
    if (!button) { return; }
    var table = document.querySelector("table.signers-table");
    if (!table) { return; }
    event.preventDefault();
    var body = table.tBodies[0];
    var next = 0;
    body.querySelectorAll("input[name^='co_signers-']").forEach(function (input) {
      var n = parseInt(input.name.split("-")[1], 10);
      if (n >= next) { next = n + 1; }
    });
    var first = null;
    for (var k = 0; k < 5; k += 1) {
      var i = next + k;
      var number = body.rows.length + 2;  // the filer is signer no. 1
      var row = body.insertRow(-1);
      row.setAttribute("data-testid", "signer-row");
      var cell = row.insertCell(-1);
      cell.className = "num";
      cell.textContent = String(number);
      ["full_name", "id_number", "address"].forEach(function (name) {
        var input = document.createElement("input");
        input.type = "text";
        input.name = input.id = "co_signers-" + i + "-" + name;
        input.setAttribute("aria-label", (table.getAttribute("data-label-" + name) || name) + " " + number);
        if (name === "id_number") { input.setAttribute("inputmode", "numeric"); }
        row.insertCell(-1).appendChild(input);
        if (!first) { first = input; }
      });
      var box = document.createElement("input");
      box.type = "checkbox";
      box.value = "y";
      box.name = box.id = "co_signers-" + i + "-representative";
      box.setAttribute("aria-label", (table.getAttribute("data-label-representative") || "") + " " + number);
      row.insertCell(-1).appendChild(box);
    }
    if (first) { first.focus(); }
  });
})();
