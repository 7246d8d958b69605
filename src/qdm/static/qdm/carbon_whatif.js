// The what-if page: on every change, fetch the baseline and changed footprint of the chosen
// module model (nothing is saved) and show kg CO2e/kWp and the breakdown by flow.
(function () {
  "use strict";
  var form = document.getElementById("whatif-form");
  if (!form) return;
  var timer = null;
  var seq = 0;

  function fmt(v, digits) {
    return Number(v).toLocaleString(undefined, {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
  }

  function cell(text, right) {
    var td = document.createElement("td");
    if (right) td.className = "text-end";
    td.textContent = text;
    return td;
  }

  function show(data) {
    document.getElementById("wi-error").classList.add("d-none");
    document.getElementById("wi-base").textContent = fmt(data.base.per_kwp, 1);
    document.getElementById("wi-new").textContent = fmt(data.new.per_kwp, 1);
    var delta = data.delta_per_kwp;
    document.getElementById("wi-delta").textContent = (delta > 0 ? "+" : "") + fmt(delta, 1);
    var body = document.querySelector("#wi-table tbody");
    body.textContent = "";
    Object.keys(data.base.by_flow).forEach(function (flow) {
      var tr = document.createElement("tr");
      tr.appendChild(cell(flow, false));
      tr.appendChild(cell(fmt(data.base.by_flow[flow], 2), true));
      tr.appendChild(cell(fmt(data.new.by_flow[flow], 2), true));
      body.appendChild(tr);
    });
    document.getElementById("wi-basis").textContent = data.library + " · " + data.basis;
  }

  function update() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (key !== "csrfmiddlewaretoken") params.append(key, value);
    });
    var mine = ++seq;
    fetch(form.dataset.url + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) {
        return r.json();
      })
      .then(function (data) {
        if (mine !== seq) return;
        if (data.error) {
          var box = document.getElementById("wi-error");
          box.textContent = data.error.message;
          box.classList.remove("d-none");
          return;
        }
        show(data);
      });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 150);
  });
  form.addEventListener("change", update);
  update();
})();
