// The citizen's side of a Zalo chat with the OA, driven through the sandbox's /_sandbox API.
"use strict";

const $ = (sel) => document.querySelector(sel);
const POLL_MS = 1000;
const view = { userId: null, lastSeq: 0, users: [], polling: null, busy: false };

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("data")) node.setAttribute(key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function timeLabel(ms) {
  return new Date(Number(ms)).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit" });
}

function toast(text) {
  const box = $("#toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

function showWebhookStatus(result) {
  const box = $("#webhook-status");
  if (result.status && result.status < 300) {
    box.textContent = `Bot đã nhận (HTTP ${result.status}, ${result.elapsed_ms} ms)`;
    box.className = "webhook-status";
  } else {
    box.textContent = result.status
      ? `Bot trả lời HTTP ${result.status}`
      : `Không gửi được tới bot (${result.error || "không có kết nối"})`;
    box.className = "webhook-status bad";
  }
}

// ---------- rendering ----------

function renderButtons(buttons) {
  const box = el("div", { class: "oa-buttons" });
  for (const button of buttons) {
    const payload = typeof button.payload === "string" ? button.payload : JSON.stringify(button.payload || {});
    const node = el("button", { type: "button", class: "oa-button", dataTestid: "oa-button",
      dataType: button.type, dataPayload: payload, text: button.title });
    node.addEventListener("click", () => tapButton(button));
    box.append(node);
  }
  return box;
}

function renderOaMessage(item) {
  const payload = item.payload || {};
  const bubble = el("div", { class: "msg msg-oa", dataMessageId: item.message_id, dataKind: item.kind });
  if (item.kind !== "cs") {
    const data = payload.template_data || {};
    bubble.classList.add("template-card");
    bubble.append(el("strong", { text: `Tin mẫu ${payload.template_id || ""}` }));
    for (const [key, value] of Object.entries(data)) bubble.append(el("div", { text: `${key}: ${value}` }));
  } else {
    const message = payload.message || {};
    if (message.text) bubble.append(el("div", { class: "msg-text", text: message.text }));
    const attachment = message.attachment || {};
    const content = attachment.payload || {};
    if (attachment.type === "file") bubble.append(el("div", { text: "📎 Tệp đính kèm" }));
    if (content.template_type === "media") {
      for (const element of content.elements || []) {
        if (element.url) bubble.append(el("img", { src: element.url, alt: "Ảnh" }));
        else bubble.append(el("div", { text: "🖼️ Ảnh" }));
      }
    } else if (content.template_type === "list") {
      for (const element of content.elements || []) {
        const row = el("div", { class: "list-element" }, el("strong", { text: element.title || "" }));
        if (element.subtitle) row.append(el("div", { text: element.subtitle }));
        bubble.append(row);
      }
    } else if (content.template_type === "request_user_info") {
      const element = (content.elements || [])[0] || {};
      bubble.append(el("strong", { text: element.title || "" }), el("div", { text: element.subtitle || "" }));
      const share = el("button", { type: "button", class: "oa-button", dataTestid: "share-info",
        text: "Chia sẻ thông tin" });
      share.addEventListener("click", () => citizenAction("submit_info", {}));
      bubble.append(share);
    }
    if (content.buttons && content.buttons.length) bubble.append(renderButtons(content.buttons));
  }
  bubble.append(el("time", { text: timeLabel(item.sent_time) }));
  return bubble;
}

function describeCitizenEvent(item) {
  const event = item.event || {};
  const message = event.message || {};
  const attachment = (message.attachments || [])[0] || {};
  const payload = attachment.payload || {};
  switch (item.kind) {
    case "follow": return { note: "Bạn đã quan tâm OA" };
    case "unfollow": return { note: "Bạn đã bỏ quan tâm OA" };
    case "user_submit_info": return { note: "Bạn đã chia sẻ thông tin với OA" };
    case "user_send_text": return item.hidden ? { note: `Đã chọn: ${item.label || message.text}` } : { text: message.text };
    case "user_send_image": return { image: payload.url };
    case "user_send_sticker": return { image: payload.url, sticker: true };
    case "user_send_location": {
      const c = payload.coordinates || {};
      return { text: `📍 Vị trí: ${c.latitude}, ${c.longitude}` };
    }
    case "user_send_file": return { text: `📎 ${payload.name || "Tệp"}` };
    case "user_send_audio": return { text: "🎤 Tin nhắn thoại" };
    default: return { note: item.kind };
  }
}

function renderCitizenEvent(item) {
  const shown = describeCitizenEvent(item);
  if (shown.note) return el("div", { class: "msg msg-note", dataSeq: item.seq, text: shown.note });
  const bubble = el("div", { class: "msg msg-user", dataSeq: item.seq });
  if (shown.image) bubble.append(el("img", { src: shown.image, alt: "Ảnh", class: shown.sticker ? "sticker" : "" }));
  if (shown.text) bubble.append(el("div", { class: "msg-text", text: shown.text }));
  if (item.webhook_status === null || item.webhook_status >= 300) bubble.classList.add("msg-failed");
  bubble.append(el("time", { text: timeLabel(item.time) }));
  return bubble;
}

function appendItems(items) {
  const log = $("#chat-log");
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  for (const item of items) {
    $("#chat-empty")?.remove();
    log.append(item.direction === "oa" ? renderOaMessage(item) : renderCitizenEvent(item));
    view.lastSeq = Math.max(view.lastSeq, item.seq);
  }
  if (items.length && (atBottom || items.some((i) => i.direction === "user"))) log.scrollTop = log.scrollHeight;
}

// ---------- citizen actions ----------

async function citizenAction(action, body) {
  if (!view.userId) { toast("Hãy chọn hoặc tạo một người dân trước."); return null; }
  try {
    const result = await api("POST", `/_sandbox/citizen/${view.userId}/${action}`, body);
    showWebhookStatus(result);
    await poll();
    return result;
  } catch (error) {
    toast(`Lỗi: ${error.message}`);
    return null;
  }
}

function tapButton(button) {
  const payload = button.payload;
  switch (button.type) {
    case "oa.query.show": return citizenAction("text", { text: payload });
    case "oa.query.hide": return citizenAction("text", { text: payload, hidden: true, label: button.title });
    case "oa.open.url": window.open(payload.url, "_blank", "noopener"); return toast(`Mở liên kết: ${payload.url}`);
    case "oa.open.phone": return toast(`📞 Gọi số: ${payload.phone_code}`);
    case "oa.open.sms": return toast(`✉️ Nhắn tin tới ${payload.phone_code}: ${payload.content || ""}`);
    default: return toast(`Nút không hỗ trợ: ${button.type}`);
  }
}

async function sendTyped(event) {
  event.preventDefault();
  const input = $("#chat-input");
  const text = input.value.trim();
  if (!text || view.busy) return;
  view.busy = true;
  $("#send-button").disabled = true;
  input.value = "";
  try { await citizenAction("text", { text }); } finally {
    view.busy = false;
    $("#send-button").disabled = false;
    input.focus();
  }
}

// ---------- citizens ----------

function currentUser() { return view.users.find((u) => u.user_id === view.userId); }

function renderFollowButton() {
  const user = currentUser();
  const button = $("#follow-button");
  button.disabled = !user;
  button.textContent = user && user.follower ? "Bỏ quan tâm" : "Quan tâm";
  button.dataset.following = user && user.follower ? "true" : "false";
}

async function loadUsers() {
  const data = await api("GET", "/_sandbox/users?order=newest&limit=200");
  view.users = data.users;
  const select = $("#citizen-select");
  select.replaceChildren(el("option", { value: "", text: view.users.length ? "— chọn người dân —" : "(chưa có)" }));
  for (const user of view.users) {
    const option = el("option", { value: user.user_id, text: `${user.display_name} · ${user.user_id.slice(-6)}` });
    if (user.user_id === view.userId) option.selected = true;
    select.append(option);
  }
  renderFollowButton();
}

function selectUser(userId) {
  view.userId = userId || null;
  view.lastSeq = 0;
  localStorage.setItem("sandbox-user", view.userId || "");
  $("#chat-log").replaceChildren(el("p", { class: "empty", id: "chat-empty",
    text: view.userId ? "Chưa có tin nhắn. Hãy gửi lời chào!" : "Chọn hoặc tạo một người dân để bắt đầu trò chuyện." }));
  $("#webhook-status").textContent = "";
  renderFollowButton();
  poll();
}

async function createCitizen(event) {
  event.preventDefault();
  const name = $("#new-citizen-name").value.trim() || "Người dân";
  const user = await api("POST", "/_sandbox/users", { display_name: name, follower: $("#new-citizen-follower").checked });
  $("#new-citizen-name").value = "";
  view.userId = user.user_id;
  await loadUsers();
  selectUser(user.user_id);
  if (user.follower) await citizenAction("follow", {});
}

async function toggleFollow() {
  const user = currentUser();
  if (!user) return;
  await citizenAction(user.follower ? "unfollow" : "follow", {});
  await loadUsers();
}

// ---------- polling, dev panel ----------

async function poll() {
  if (!view.userId) return;
  const userId = view.userId;
  try {
    const data = await api("GET", `/_sandbox/conversation?user_id=${encodeURIComponent(userId)}&since=${view.lastSeq}`);
    if (userId === view.userId) appendItems(data.items);
    $("#connection-status").textContent = "Sandbox đang chạy";
  } catch (error) {
    $("#connection-status").textContent = "Mất kết nối với sandbox";
  }
}

async function refreshPanel() {
  if (!$("#dev-panel").open) return;
  const stats = await api("GET", "/_sandbox/stats");
  $("#faults").textContent = stats.faults.length ? JSON.stringify(stats.faults, null, 1) : "—";
  const { faults, webhooks, config, ...rest } = stats;
  rest.webhooks = { by_status: webhooks.by_status, echoes_pending: webhooks.echoes_pending };
  rest.webhook_url = config.webhook_url;
  $("#stats").textContent = JSON.stringify(rest, null, 1);
}

async function injectFault(spec) {
  await api("POST", "/_sandbox/faults", spec);
  toast(`Đã thêm lỗi giả lập: ${spec.kind}`);
  refreshPanel();
}

async function init() {
  const config = await api("GET", "/_sandbox/config");
  $("#oa-name").textContent = `UBND xã · OA ${config.oa_id.slice(-6)} (sandbox)`;
  const fromUrl = new URLSearchParams(location.search).get("user_id");
  view.userId = fromUrl || localStorage.getItem("sandbox-user") || null;
  await loadUsers();
  if (view.userId && !currentUser()) view.userId = null;
  selectUser(view.userId);

  $("#citizen-select").addEventListener("change", (e) => selectUser(e.target.value));
  $("#create-citizen-form").addEventListener("submit", createCitizen);
  $("#follow-button").addEventListener("click", toggleFollow);
  $("#composer").addEventListener("submit", sendTyped);
  $("#chat-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) sendTyped(e);
  });
  $("#send-photo").addEventListener("click", () => citizenAction("image", {}));
  $("#send-sticker").addEventListener("click", () => citizenAction("sticker", {}));
  $("#send-location").addEventListener("click", () => citizenAction("location", {}));
  $("#send-file").addEventListener("click", () => citizenAction("file", {}));
  $("#send-voice").addEventListener("click", () => citizenAction("audio", {}));
  for (const button of document.querySelectorAll("[data-fault]")) {
    button.addEventListener("click", () => injectFault(JSON.parse(button.dataset.fault)));
  }
  $("#clear-faults").addEventListener("click", async () => { await api("DELETE", "/_sandbox/faults"); refreshPanel(); });
  $("#make-stale").addEventListener("click", async () => {
    if (!view.userId) return;
    await api("PATCH", `/_sandbox/users/${view.userId}`, { last_interaction_days_ago: 8 });
    toast("Lần tương tác cuối đã lùi về 8 ngày trước: bot sẽ nhận lỗi -230.");
  });
  $("#dev-panel").addEventListener("toggle", refreshPanel);
  view.polling = setInterval(poll, POLL_MS);
  setInterval(refreshPanel, 3000);
}

init().catch((error) => { $("#connection-status").textContent = `Lỗi: ${error.message}`; });
