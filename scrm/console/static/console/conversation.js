/* The conversation around one archived message; the message itself is marked. Export asks
 * the reason. */
(function () {
  "use strict";
  var Scrm = window.Scrm;
  var C = window.ScrmConsole;
  var root = document.getElementById("conversation");
  var id = Number(root.dataset.messageId);
  var list = root.querySelector("[data-testid=chat]");
  var about = root.querySelector("[data-testid=conversation-about]");

  Scrm.api("GET", "/api/archive/messages/" + id + "/conversation").then(function (answer) {
    var c = answer.conversation;
    if (!c) { about.textContent = answer.note; }
    else if (c.kind === "group") { about.textContent = "客户群 " + c.chat_id; }
    else { about.textContent = "客户经理 " + c.rm + " 与客户 " + c.customer + " 的单聊"; }
    answer.messages.forEach(function (m) {
      list.appendChild(Scrm.el("li", {
        "class": "chat-" + m.direction + (m.id === id ? " chat-focus" : ""),
        testid: m.id === id ? "focus-message" : "chat-message"
      }, [
        Scrm.el("span", { "class": "chat-meta", text: m.sender + " · " + Scrm.time(m.created_at) + " · " + m.decision }),
        Scrm.el("div", { "class": "console-message-text", html: m.text_html })
      ]));
    });
  }).catch(C.sayError);

  var button = document.querySelector("[data-testid=export-conversation]");
  button.addEventListener("click", function () {
    var format = document.querySelector("[data-testid=export-format]").value;
    C.exportArchive({ kind: "conversation", message_id: id, format: format }, button);
  });
})();
