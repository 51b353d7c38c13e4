/* The checked send (发送前合规检查): every send goes to POST /api/sidebar/send-check first.
 * pass → sendChatMessage through the bridge; warn → the RM confirms with a reason and it is
 * checked again; block → the exact words and why, nothing sent. Each tap has an attempt key,
 * so a double tap is archived once; editing the text starts a new attempt. */
(function () {
  "use strict";
  var Scrm = window.Scrm;
  var S = window.Sidebar;
  var q = Scrm.byTestId;
  var sheet = q("composer"), textBox = q("composer-text"), verdictBox = q("composer-verdict");
  var confirmBox = q("composer-confirm"), reasonBox = q("confirm-reason");
  var current = null; // {materialKey, scriptId, taskId, attemptKey, onSent}

  var DECISIONS = { pass: "通过", warn: "需确认", block: "拦截" };

  S.renderHits = function (box, decision, hits, sentence) {
    var items = (hits || []).map(function (hit) {
      return Scrm.el("li", { "data-testid": "hit" }, [
        Scrm.el("b", { text: "“" + (hit.matched || hit.term) + "”" }),
        Scrm.el("span", { text: " " + (hit.category || "") + (hit.basis ? " · 依据 " + hit.basis : "") +
          (hit.note ? " · " + hit.note : "") })
      ]);
    });
    Scrm.fill(box, [
      Scrm.el("div", { class: "sb-decision sb-" + decision, "data-testid": "decision", text: DECISIONS[decision] || decision }),
      sentence ? Scrm.el("p", { text: sentence }) : null,
      items.length ? Scrm.el("ul", { class: "sb-hits" }, items) : null
    ].filter(Boolean));
  };

  S.compose = function (text, options) {
    if (!S.target) { S.notice("请从企业微信聊天工具栏打开侧边栏，再发送。"); return; }
    current = Object.assign({ attemptKey: Scrm.uuid() }, options || {});
    textBox.value = text || "";
    q("composer-target").textContent = S.target.kind === "customer" ? "当前客户" : "当前客户群";
    q("composer-material").textContent = current.materialTitle ? "附：" + current.materialTitle : "";
    verdictBox.textContent = "";
    confirmBox.hidden = true;
    reasonBox.value = "";
    sheet.hidden = false;
    textBox.focus();
  };

  function submit(reason) {
    var body = { text: textBox.value, attempt_key: current.attemptKey,
      script_id: current.scriptId || null, material_key: current.materialKey || null };
    body[S.target.kind === "customer" ? "external_userid" : "chat_id"] = S.target.id;
    if (reason) { body.confirm_reason = reason; }
    q("composer-send").disabled = true;
    return Scrm.api("POST", "/api/sidebar/send-check", body).then(function (answer) {
      if (answer.released) { return deliver(answer); }
      if (answer.needs_confirmation) {
        S.renderHits(verdictBox, "warn", answer.hits, "这条消息有需要注意的用语。确需发送，请填写理由后确认（全程留痕）。");
        confirmBox.hidden = false;
        reasonBox.focus();
        return;
      }
      S.renderHits(verdictBox, "block", answer.hits, "这条消息不能发送：请修改下列用语。未发送任何内容。");
    }).catch(function (error) {
      S.renderHits(verdictBox, "block", [], "检查失败：" + error.message);
    }).then(function () { q("composer-send").disabled = false; });
  }

  function deliver(answer) {
    if (answer.repeated) {
      // The same attempt went through already: never hand it to WeCom twice.
      S.renderHits(verdictBox, answer.decision, [], "这条消息刚刚已发送过，不会重复发送。修改内容后可再发。");
      return Promise.resolve();
    }
    var unsafe = answer.message.filter(function (message) {
      var card = message.news || message.link;
      return card && card.link !== undefined && Scrm.webLink(card.link) === null;
    });
    if (unsafe.length) {
      // Never hand WeCom a link card whose address is not http(s) (the server refuses these too).
      S.renderHits(verdictBox, "block", [], "所附素材链接无效，未发送。请联系总行运营修正素材。");
      return Promise.resolve();
    }
    var chain = Promise.resolve();
    answer.message.forEach(function (message) {
      chain = chain.then(function () { return S.bridge.sendChatMessage(message); });
    });
    return chain.then(function () {
      S.renderHits(verdictBox, answer.decision, answer.hits, "已通过合规检查，已发送到聊天窗口。");
      confirmBox.hidden = true;
      if (current.onSent) { current.onSent(answer); }
    }, function (error) {
      S.renderHits(verdictBox, answer.decision, [], "合规检查已通过，但企业微信未能发送：" +
        ((error && (error.errMsg || error.message)) || error) + "。请重试。");
    });
  }

  textBox.addEventListener("input", function () {
    if (current) { current.attemptKey = Scrm.uuid(); confirmBox.hidden = true; }
  });
  q("composer-send").addEventListener("click", function () { submit(null); });
  q("confirm-send").addEventListener("click", function () {
    if (!reasonBox.value.trim()) { reasonBox.placeholder = "请先填写理由"; reasonBox.focus(); return; }
    submit(reasonBox.value.trim());
  });
  q("composer-close").addEventListener("click", function () { sheet.hidden = true; current = null; });

  q("check-run").addEventListener("click", function () {
    var box = q("check-verdict");
    var channel = S.target && S.target.kind === "group" ? "group" : "single";
    Scrm.api("POST", "/api/sidebar/check", { text: q("check-text").value, channel: channel })
      .then(function (answer) {
        S.renderHits(box, answer.decision, answer.hits, answer.decision === "pass"
          ? "未发现问题，可以在企业微信里发送。" : "请注意下列用语。");
      }, function (error) { Scrm.fill(box, [Scrm.el("p", { class: "sb-error", text: error.message })]); });
  });
})();
