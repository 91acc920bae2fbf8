/* Live quote on the class form (progressive enhancement: without JavaScript the form posts as
   before and the quote shows on the class page after saving). While the form is typed, it is sent
   (with its CSRF token, nothing saved) to the class quote endpoint, which runs the same rules
   engine; the answer fills the aria-live region #live-quote. Plain ES5 for old extranet browsers. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-quote-url]");
  var region = document.getElementById("live-quote");
  if (!form || !region || !window.FormData || !window.XMLHttpRequest) return;
  var body = region.querySelector("[data-quote-body]");
  var timer = null;
  var pending = null;
  var sent = 0;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.appendChild(document.createTextNode(text));
    if (cls) node.className = cls;
    return node;
  }

  function ruleLink(rule) {
    var a = el("a", rule, "rule");
    a.href = "/rules/#" + rule;
    return a;
  }

  function show(nodes) {
    while (body.firstChild) body.removeChild(body.firstChild);
    for (var i = 0; i < nodes.length; i++) body.appendChild(nodes[i]);
    region.hidden = false;
  }

  function render(data) {
    var q = data.quote;
    if (!q) {
      show([el("p", data.detail, "warn")]);
      return;
    }
    var p = el("p", q.summary, "amount");
    var ol = el("ol", null, "steps");
    for (var i = 0; i < q.steps.length; i++) {
      var s = q.steps[i];
      var li = el("li");
      li.appendChild(ruleLink(s.rule));
      li.appendChild(document.createTextNode(" " + s.text));
      if (s.arithmetic) {
        li.appendChild(el("br"));
        li.appendChild(el("code", s.arithmetic));
      }
      if (s.result) li.appendChild(document.createTextNode(" " + s.result));
      ol.appendChild(li);
    }
    var nodes = [p, ol];
    if (q.findings.length) {
      var ul = el("ul", null, "findings");
      for (var j = 0; j < q.findings.length; j++) {
        var f = q.findings[j];
        var fli = el("li", null, "sev-" + f.severity);
        fli.appendChild(ruleLink(f.rule));
        fli.appendChild(document.createTextNode(" [" + f.severity + "] " + f.message));
        ul.appendChild(fli);
      }
      nodes.push(ul);
    }
    show(nodes);
  }

  function renderErrors(data) {
    var nodes = [el("p", data.detail, "muted")];
    if (data.errors && data.errors.length) {
      var ul = el("ul", null, "small");
      for (var i = 0; i < data.errors.length; i++) {
        ul.appendChild(el("li", data.errors[i].text));
      }
      nodes.push(ul);
    }
    show(nodes);
  }

  function send() {
    if (pending) pending.abort();
    var mine = ++sent;
    var xhr = new XMLHttpRequest();
    pending = xhr;
    xhr.open("POST", form.getAttribute("data-quote-url"));
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4 || mine !== sent) return;
      pending = null;
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
      if (xhr.status === 200 && data) render(data);
      else if (xhr.status === 400 && data) renderErrors(data);
      else region.hidden = true; // signed out, no permission, server down: the saved page still quotes
    };
    xhr.send(new FormData(form));
  }

  function later() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(send, 500);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  if (form.querySelector("[name=occupation]") && form.querySelector("[name=occupation]").value) send();
})();
