/* The group view (group chat): name, members and growth, my role, today's SOP to-dos for my
 * role (send with one tap through the checked send, then marked done through the SOP API),
 * the check-in board and recent activity. */
(function () {
  "use strict";
  var Scrm = window.Scrm;
  var S = window.Sidebar;
  var q = Scrm.byTestId;
  var STATUS = { pending: "待完成", done: "已完成", late: "已补做", missed: "已错过" };

  S.showGroup = function (chatId) {
    return Scrm.api("GET", "/api/sidebar/groups/" + encodeURIComponent(chatId)).then(function (view) {
      render(view);
      return true;
    }, function (error) {
      if (error.status === 404) {
        S.notice("这个客户群不是您负责或加入的群，侧边栏不显示其资料。");
        return false;
      }
      throw error;
    });
  };

  function render(view) {
    var m = view.members;
    q("group-name").textContent = view.group.name;
    q("group-members").textContent = "成员 " + m.total + " 人（客户 " + m.customers + "）· 近 7 天 +" +
      m.joined_7d + " / -" + m.left_7d;
    q("group-roles").textContent = "我的角色：" + (view.my_roles.length ? view.my_roles.join("、") : "群成员");
    Scrm.fill(q("group-tasks"), view.tasks.length ? view.tasks.map(taskRow) : [S.empty("今天没有您的 SOP 待办")]);
    Scrm.fill(q("checkin-board"), view.checkin_board.length ? view.checkin_board.map(function (e, i) {
      return Scrm.el("div", { class: "sb-row", text: (i + 1) + ". " + e.name + " · 打卡 " + e.total + " 次 · 连续 " + e.streak + " 天" });
    }) : [S.empty("还没有人打卡")]);
    Scrm.fill(q("group-activity"), view.activity.length ? view.activity.map(function (a) {
      return Scrm.el("div", { class: "sb-row", text: Scrm.shortTime(a.at) + " " + a.name + (a.kind === "joined" ? " 入群" : " 退群") });
    }) : [S.empty("近期没有动态")]);
  }

  function taskRow(task) {
    var status = Scrm.el("span", { class: "sb-status", "data-testid": "task-status", text: STATUS[task.status] || task.status });
    var children = [
      Scrm.el("div", { class: "sb-sub", text: task.role + " · " + Scrm.shortTime(task.due_at) }), status,
      Scrm.el("div", { class: "sb-task__text", text: task.text || task.content_error || "（本步骤没有文字内容）" })
    ];
    if (task.status === "pending") {
      if (task.text) {
        children.push(Scrm.el("button", { type: "button", class: "weui-btn weui-btn_mini weui-btn_primary",
          "data-testid": "task-send", text: "一键发送", onclick: function () {
            S.compose(task.text, { taskId: task.id, onSent: function (answer) { complete(task, status, answer.archived_message_id); } });
          } }));
      }
      children.push(Scrm.el("button", { type: "button", class: "weui-btn weui-btn_mini weui-btn_default",
        "data-testid": "task-done", text: "标记完成", onclick: function () { complete(task, status, null); } }));
    }
    return Scrm.el("div", { class: "sb-task", "data-testid": "group-task" }, children);
  }

  function complete(task, status, archivedMessageId) {
    var body = archivedMessageId ? { archived_message_id: archivedMessageId } : {};
    Scrm.api("POST", "/api/sop/tasks/" + task.id + "/complete", body).then(function (data) {
      status.textContent = STATUS[data.status] || data.status;
      status.parentNode.querySelectorAll("button").forEach(function (b) { b.remove(); });
      S.notice("SOP 待办已完成", "ok");
      S.refreshCounts();
    }, function (error) { S.notice("未能标记完成：" + error.message); });
  }
})();
