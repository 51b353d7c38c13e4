"""Operator actions on the directory (change_contact): HR edits members and departments."""

from __future__ import annotations

from scrm.wecom.simulator.operator_base import OperatorBase, OperatorError, Outcome
from scrm.wecom.simulator.state import User

EVENT = "change_contact"


class DirectoryActions(OperatorBase):
    ACTIONS = (
        "create_user",
        "update_user",
        "delete_user",
        "create_department",
        "update_department",
        "delete_department",
    )

    def _user_fields(self, user: User) -> list:
        return [
            ("Name", user.name),
            ("Department", ",".join(str(d) for d in user.department_ids)),
            ("MainDepartment", user.department_ids[0] if user.department_ids else None),
            ("IsLeaderInDept", ",".join("0" for _ in user.department_ids)),
            ("Position", user.position or ""),
            ("Mobile", user.mobile or ""),
            ("Gender", user.gender),
            ("Email", user.email or ""),
            ("Status", user.status),
            ("Avatar", ""),
            ("Alias", ""),
            ("Telephone", ""),
        ]

    def create_user(self, userid: str, name: str, department_ids, **kwargs) -> Outcome:
        """HR adds a member (keyword args as ``sim.add_user``)."""
        with self.sim.lock:
            if userid in self.sim.corp.users:
                raise OperatorError(f"member {userid!r} already exists")
            try:
                user = self.sim.corp.add_user(userid, name, department_ids, **kwargs)
            except ValueError as exc:
                raise OperatorError(str(exc)) from None
            xml = self._event(EVENT, "create_user", [("UserID", userid), *self._user_fields(user)])
        return self._push(xml)

    def update_user(
        self,
        userid: str,
        *,
        new_userid: str | None = None,
        name: str | None = None,
        department_ids=None,
        position: str | None = None,
        mobile: str | None = None,
        email: str | None = None,
        status: int | None = None,
    ) -> Outcome:
        """HR edits a member; ``new_userid`` renames the account (NewUserID in the event)."""
        corp = self.sim.corp
        with self.sim.lock:
            user = self._user(userid)
            if department_ids is not None:
                missing = [d for d in department_ids if int(d) not in corp.departments]
                if missing:
                    raise OperatorError(f"departments {missing} do not exist")
                user.department_ids = [int(d) for d in department_ids]
            for attr, value in (
                ("name", name),
                ("position", position),
                ("mobile", mobile),
                ("email", email),
                ("status", status),
            ):
                if value is not None:
                    setattr(user, attr, value)
            renamed = new_userid is not None and new_userid != userid
            if renamed:
                if new_userid in corp.users:
                    raise OperatorError(f"member {new_userid!r} already exists")
                corp.rename_user(userid, new_userid)
            fields = [("UserID", userid)]
            if renamed:
                fields.append(("NewUserID", new_userid))
            xml = self._event(EVENT, "update_user", fields + self._user_fields(user))
        return self._push(xml)

    def delete_user(self, userid: str) -> Outcome:
        """HR removes a member; their customers stay, awaiting handover (离职继承)."""
        with self.sim.lock:
            self._user(userid)
            del self.sim.corp.users[userid]
            xml = self._event(EVENT, "delete_user", [("UserID", userid)])
        return self._push(xml)

    def create_department(
        self, id: int, name: str, parent_id: int | None = None, order: int = 0
    ) -> Outcome:
        with self.sim.lock:
            if int(id) in self.sim.corp.departments:
                raise OperatorError(f"department {id} already exists")
            try:
                dept = self.sim.corp.add_department(id, name, parent_id, order)
            except ValueError as exc:
                raise OperatorError(str(exc)) from None
            xml = self._event(
                EVENT,
                "create_party",
                [
                    ("Id", dept.id),
                    ("Name", dept.name),
                    ("ParentId", dept.parent_id or 0),
                    ("Order", dept.order),
                ],
            )
        return self._push(xml)

    def update_department(
        self, id: int, *, name: str | None = None, parent_id: int | None = None
    ) -> Outcome:
        corp = self.sim.corp
        with self.sim.lock:
            dept = corp.departments.get(int(id))
            if dept is None:
                raise OperatorError(f"no department {id}")
            if parent_id is not None:
                if parent_id not in corp.departments or parent_id in corp.subtree(dept.id):
                    raise OperatorError(f"department {parent_id} cannot be the parent of {id}")
                dept.parent_id = parent_id
            if name is not None:
                dept.name = name
            fields = [("Id", dept.id), ("Name", name), ("ParentId", parent_id)]
            xml = self._event(EVENT, "update_party", fields)
        return self._push(xml)

    def delete_department(self, id: int) -> Outcome:
        """HR deletes an empty department (WeCom refuses one with members or children)."""
        corp = self.sim.corp
        with self.sim.lock:
            if int(id) not in corp.departments:
                raise OperatorError(f"no department {id}")
            if any(d.parent_id == int(id) for d in corp.departments.values()):
                raise OperatorError(f"department {id} has sub-departments; delete them first")
            if any(int(id) in u.department_ids for u in corp.users.values()):
                raise OperatorError(f"department {id} has members; move them first")
            del corp.departments[int(id)]
            xml = self._event(EVENT, "delete_party", [("Id", int(id))])
        return self._push(xml)
