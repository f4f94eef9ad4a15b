// Live preview of an announcement while the official writes it (console/compose.html).
(function () {
  const form = document.getElementById("compose");
  if (!form) return;
  const preview = document.getElementById("preview"), error = document.getElementById("preview-error");
  const planBox = document.getElementById("plan");
  let timer = null;
  // No complaint before the official has typed: a blank form is not a mistake yet.
  let touched = false;
  function escape(text) { const d = document.createElement("div"); d.textContent = text; return d.innerHTML; }
  async function refresh() {
    const body = new FormData(form);
    const response = await fetch(form.dataset.previewUrl, {method: "POST", body,
      headers: {"X-CSRFToken": document.querySelector('meta[name="csrf-token"]').content}});
    const data = await response.json();
    if (!data.ok) { error.textContent = touched ? "Chưa hợp lệ: " + data.error : ""; return; }
    error.textContent = "";
    const rest = data.text.slice(data.first_screen.length);
    preview.innerHTML = '<div class="first-screen">' + escape(data.first_screen) + "</div>" + escape(rest);
    const p = data.plan;
    planBox.innerHTML = `<div><b>${p.total}</b>người nhận</div><div><b>${p.cs}</b>tin tư vấn (miễn phí)</div>` +
      `<div><b>${p.template}</b>tin mẫu ZBS</div><div><b>${p.zns ?? 0}</b>ZNS qua số điện thoại</div>` +
      `<div><b>${p.unreachable}</b>không liên lạc được</div>` +
      (p.opted_out ? `<div><b>${p.opted_out}</b>đã từ chối tin thường</div>` : "");
  }
  form.addEventListener("input", () => { touched = true; clearTimeout(timer); timer = setTimeout(refresh, 300); });
  refresh();
})();
