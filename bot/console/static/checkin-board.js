// The check-in board (console/checkins.html): counts per area and help requests, re-read every 2 s.
// Citizens' words are put in with textContent only, never as HTML.
(function () {
  const board = document.getElementById("board");
  if (!board || !board.dataset.url) return;
  const helpBody = document.querySelector("#help tbody");

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    if (className) td.className = className;
    return td;
  }

  function renderCounts(rows) {
    const body = board.querySelector("tbody");
    body.replaceChildren(...rows.map((row) => {
      const tr = document.createElement("tr");
      tr.dataset.area = row.area;
      if (!row.area) tr.className = "total";
      tr.append(cell(row.name), cell(row.safe, "safe"), cell(row.help, "help"), cell(row.no_answer, "no-answer"));
      return tr;
    }));
  }

  function link(href, text) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function renderHelp(requests) {
    const table = document.getElementById("help");
    const token = document.querySelector("input[name=csrf_token]");
    if (!requests.length) return;
    helpBody.replaceChildren(...requests.map((h) => {
      const tr = document.createElement("tr");
      tr.dataset.ticket = h.ticket;
      const number = document.createElement("td");
      number.append(link(table.dataset.ticketUrl.replace("__T__", h.ticket), h.ticket));
      const map = document.createElement("td");
      if (h.map_link && h.map_link.startsWith("https://")) {
        const a = link(h.map_link, "Bản đồ");
        a.target = "_blank";
        a.rel = "noopener";
        map.append(a);
      }
      const action = document.createElement("td");
      if ((h.state === "new" || h.state === "assigned") && token) {
        const form = document.createElement("form");
        form.method = "post";
        form.action = table.dataset.reachedUrl.replace("__T__", h.ticket);
        const hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "csrf_token";
        hidden.value = token.value;
        const button = document.createElement("button");
        button.type = "submit";
        button.textContent = "Đã tiếp cận";
        form.append(hidden, button);
        action.append(form);
      }
      tr.append(number, cell(h.at), cell(h.area), map, cell(h.situation), cell(h.phone),
                cell(h.state_label, "state " + h.state), cell(h.handled_by), action);
      return tr;
    }));
  }

  async function poll() {
    try {
      const response = await fetch(board.dataset.url, {headers: {"Accept": "application/json"}});
      if (response.ok) {
        const data = await response.json();
        if (String(data.version) !== board.dataset.version) {
          board.dataset.version = String(data.version);
          renderCounts(data.rows);
          renderHelp(data.help);
        }
      }
    } finally {
      setTimeout(poll, 2000);
    }
  }
  setTimeout(poll, 2000);
})();
