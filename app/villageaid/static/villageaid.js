// Village-aid plugin: search-as-you-type pickers for related rows.
// Each <select class="va-remote-select" data-url="..."> asks the server for
// one page of matching rows (already limited to the user's scope).
(function ($) {
  "use strict";

  function activeFilterValue(name) {
    if (!name || name.indexOf("_flt_") !== 0) { return null; }
    return new URLSearchParams(window.location.search).get(name);
  }

  function init(el) {
    var $el = $(el);
    if ($el.data("va-ready") || $el.closest("body").length === 0) { return; }
    $el.data("va-ready", true);
    var url = $el.data("url");
    var pending = activeFilterValue($el.attr("name"));
    $el.select2({
      theme: "bootstrap",
      width: "100%",
      allowClear: !!$el.data("allow-clear"),
      placeholder: $el.data("placeholder") || "",
      minimumInputLength: 0,
      ajax: {
        url: url,
        dataType: "json",
        delay: 250,
        data: function (params) { return { q: params.term || "", page: params.page || 1 }; }
      }
    });
    if (pending && !$el.val()) {
      $.getJSON(url, { id: pending }, function (data) {
        (data.results || []).forEach(function (row) {
          $el.append(new Option(row.text, row.id, true, true)).trigger("change");
        });
      });
    }
  }

  function scan(root) { $(root).find("select.va-remote-select").addBack("select.va-remote-select").each(function () { init(this); }); }

  $(function () {
    scan(document.body);
    // Filter rows are added by FAB's script after the page loads.
    new MutationObserver(function (mutations) {
      mutations.forEach(function (m) { m.addedNodes.forEach(function (n) { if (n.nodeType === 1) { scan(n); } }); });
    }).observe(document.body, { childList: true, subtree: true });
  });
})(jQuery);

// Forms that ask before they act (e.g. purging a record from the recycle
// bin), in the page's own confirmation dialog (its buttons in the user's
// language, unlike the browser's).
(function ($) {
  "use strict";
  $(document).on("submit", "form.va-confirm", function (event) {
    var form = this;
    if ($(form).data("va-confirmed")) { return; }
    event.preventDefault();
    var dialog = $("#modal-confirm").first();
    dialog.find(".modal-text").first().text($(form).data("confirm"));
    dialog.find("#modal-confirm-ok").off("click.va").one("click.va", function (e) {
      e.preventDefault();
      $(form).data("va-confirmed", true);
      form.submit();
    });
    dialog.modal("show");
  });
})(jQuery);

// The user's language for the date picker and for the few words FAB's
// scripts write themselves (set before FAB's scripts start, on page ready).
(function ($) {
  "use strict";
  var meta = document.querySelector("meta[name=va-locale]");
  var locale = meta ? meta.getAttribute("content") : "en";
  if ($.fn.datepicker && locale.indexOf("zh") === 0 && $.fn.datepicker.dates["zh-CN"]) {
    $.fn.datepicker.defaults.language = "zh-CN";
  }
  var source = document.getElementById("va-words");
  var words = source ? JSON.parse(source.textContent) : {};
  if (typeof window.ab_alert === "function") {
    var alert = window.ab_alert;
    window.ab_alert = function (text) { return alert(words[text] || text); };
  }
})(jQuery);

// An error page's "back" without a known page to return to: the browser's history.
(function ($) {
  "use strict";
  $(document).on("click", "a.va-back[data-history]", function (event) {
    if (window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})(jQuery);

// Printable pages (village file, roster, sign-in sheet): the Print button.
(function () {
  "use strict";
  var button = document.getElementById("va-print-button");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
}());
