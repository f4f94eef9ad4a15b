// Delivery progress of a broadcast being sent (console/broadcast.html), refreshed every second.
(function () {
  const box = document.getElementById("progress-counts");
  if (!box || !box.dataset.url) return;
  const labels = JSON.parse(box.dataset.labels || "{}");
  async function poll() {
    const response = await fetch(box.dataset.url, {headers: {"Accept": "application/json"}});
    const p = await response.json();
    document.getElementById("bar").style.width = p.percent + "%";
    document.getElementById("status").textContent = labels[p.status] || p.status;
    document.getElementById("status").className = "badge " + p.status;
    box.innerHTML =
      `<div><b id="count-sent">${p.sent}</b>đã gửi</div><div><b>${p.queued}</b>đang chờ</div>` +
      `<div><b id="count-failed">${p.failed}</b>lỗi</div><div><b>${p.unreachable}</b>không liên lạc được</div>` +
      `<div><b>${p.cancelled}</b>đã hủy</div><div><b>${p.percent}%</b>hoàn thành</div>`;
    const finished = ["done", "stopped", "recorded", "rejected"].includes(p.status);
    const stop = document.getElementById("stop-form");
    if (stop && finished) stop.hidden = true;  // nothing left to stop
    if (!finished || p.queued > 0) setTimeout(poll, 1000);
  }
  poll();
})();
