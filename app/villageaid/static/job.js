// A background job's page: polls the job's progress (JSON) and reloads the
// page when the job has finished, which then shows its result.
(function () {
  "use strict";
  var table = document.getElementById("va-job");
  if (!table) { return; }
  var url = table.getAttribute("data-progress");
  var bar = document.getElementById("va-job-bar");
  var count = document.getElementById("va-job-count");
  var status = document.getElementById("va-job-status");

  function show(data) {
    var total = data.total || 0;
    var percent = total ? Math.round(100 * data.done / total) : 0;
    bar.style.width = percent + "%";
    bar.setAttribute("aria-valuenow", data.done);
    bar.setAttribute("aria-valuemax", total);
    count.textContent = data.done + " / " + total;
    status.textContent = data.status_text;
  }

  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status !== 200) { return; }
      var data = JSON.parse(request.responseText);
      show(data);
      if (data.finished) {
        window.location.reload();
      } else {
        window.setTimeout(poll, 1000);
      }
    };
    request.send();
  }
  window.setTimeout(poll, 500);
}());
