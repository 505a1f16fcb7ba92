"""
title: ConnectWise Manage
author: cw-mcp contributors
author_url: https://github.com/example/connectwise-mcp
version: 0.4.0
license: MIT
description: Read-only ConnectWise Manage (PSA) for tickets, companies, contacts and every other endpoint of its API, through the ConnectWise MCP bridge.
required_open_webui_version: 0.5.0
"""

import json
from typing import Any, Awaitable, Callable, Optional

import aiohttp
from pydantic import BaseModel, Field

EventEmitter = Optional[Callable[[dict], Awaitable[None]]]


class Tools:
    class Valves(BaseModel):
        CONNECTWISE_BRIDGE_URL: str = Field(
            default="http://connectwise-mcp-bridge:3002",
            description="Base URL of the ConnectWise MCP bridge (cw-bridge), without a trailing path.",
        )
        BRIDGE_API_KEY: str = Field(
            default="",
            description="The bridge's BRIDGE_API_KEY, when it is set; sent as a Bearer token.",
        )
        TIMEOUT_SECONDS: int = Field(default=60, description="Seconds to wait for the bridge before giving up.")

    class UserValves(BaseModel):
        CW_COMPANY_ID: str = Field(
            default="",
            description="Your ConnectWise company id. Needed when the bridge reads ConnectWise with each technician's own API keys (CW_CREDENTIALS=request).",
        )
        CW_PUBLIC_KEY: str = Field(default="", description="Your ConnectWise API member's public key.")
        CW_PRIVATE_KEY: str = Field(default="", description="Your ConnectWise API member's private key.")
        CW_CLIENT_ID: str = Field(default="", description="Optional: your integration's clientId; the bridge's own otherwise.")
        CW_SITE: str = Field(default="", description="Optional: which allowed ConnectWise site to read, e.g. api-eu.myconnectwise.net.")

    def __init__(self):
        self.valves = self.Valves()

    def _headers(self, user: Optional[dict], metadata: Optional[dict]) -> dict:
        """The bridge key, the technician's own ConnectWise keys and who is asking, as headers."""
        # Answers as text written for a model (a line per record), not JSON.
        headers = {"Content-Type": "application/json", "Accept": "text/plain"}
        if self.valves.BRIDGE_API_KEY.strip():
            headers["Authorization"] = f"Bearer {self.valves.BRIDGE_API_KEY.strip()}"
        user = user or {}
        valves = user.get("valves")
        for valve, header in (("CW_COMPANY_ID", "X-CW-Company-Id"), ("CW_PUBLIC_KEY", "X-CW-Public-Key"),
                              ("CW_PRIVATE_KEY", "X-CW-Private-Key"), ("CW_CLIENT_ID", "X-CW-Client-Id"),
                              ("CW_SITE", "X-CW-Site")):
            value = valves.get(valve) if isinstance(valves, dict) else getattr(valves, valve, None)
            if isinstance(value, str) and value.strip():
                headers[header] = value.strip()
        for key, header in (("email", "X-OpenWebUI-User-Email"), ("id", "X-OpenWebUI-User-Id"),
                            ("name", "X-OpenWebUI-User-Name")):
            if isinstance(user.get(key), str) and user[key].isprintable():
                headers[header] = user[key]
        chat_id = (metadata or {}).get("chat_id")
        if isinstance(chat_id, str) and chat_id.isprintable():
            headers["X-OpenWebUI-Chat-Id"] = chat_id
        return headers

    async def _call(self, tool: str, arguments: dict, status: str, emitter: EventEmitter,
                    user: Optional[dict] = None, metadata: Optional[dict] = None) -> str:
        """Calls one bridge tool; returns its answer as text for the model, or a readable error.
        Never raises."""
        arguments = {k: v for k, v in arguments.items() if v is not None and v != ""}
        await _emit(emitter, status, done=False)
        base = self.valves.CONNECTWISE_BRIDGE_URL.rstrip("/")
        headers = self._headers(user, metadata)
        timeout = aiohttp.ClientTimeout(total=max(1, self.valves.TIMEOUT_SECONDS))
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(
                    f"{base}/v1/tools/execute",
                    json={"tool_name": tool, "arguments": arguments},
                    headers=headers,
                ) as response:
                    text = await response.text()
                    if response.status >= 400:
                        result = _http_error(response.status, text, response.headers.get("Retry-After"))
                    else:
                        result = text
        except aiohttp.ClientConnectorError as error:
            result = (
                f"Error: cannot reach the ConnectWise bridge at {base} ({error.os_error or error}). "
                "Check that it is running and that the CONNECTWISE_BRIDGE_URL valve is right."
            )
        except TimeoutError:
            result = (
                f"Error: the ConnectWise bridge did not answer within {self.valves.TIMEOUT_SECONDS} s. "
                "Ask for fewer records (page_size) or raise the TIMEOUT_SECONDS valve."
            )
        except aiohttp.ClientError as error:
            result = f"Error: the request to the ConnectWise bridge failed: {error}."
        failed = result.startswith("Error")
        await _emit(emitter, "ConnectWise request failed" if failed else "Done", done=True)
        return result

    # The same tools as the bridge's default (compact) list: a search for each entity technicians
    # ask about most, exact figures (summarize), and read for every other endpoint. OpenWebUI sends every method to the model
    # on every turn, so there are few of them, with short descriptions.

    async def _search(self, tool: str, noun: str, conditions: str, order_by: str, page: int, page_size: int,
                      emitter: EventEmitter, user: Optional[dict], metadata: Optional[dict]) -> str:
        return await self._call(tool, {"conditions": conditions, "orderBy": order_by, "page": page,
                                       "pageSize": page_size}, f"Searching {noun}…", emitter, user, metadata)

    async def get_tickets(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 5,
                          __event_emitter__: EventEmitter = None, __user__: Optional[dict] = None,
                          __metadata__: Optional[dict] = None) -> str:
        """
        Search tickets. Fields: summary, company/name, status/name, board/name, priority/name, owner/name, closedFlag, _info/dateEntered. Example: company/name like "ACME%" AND closedFlag = false. Or: owner/name = "Jane Smith" AND _info/dateEntered > [7 days ago]. Counts, totals: summarize.
        :param conditions: As in the examples; dates: [2026-01-31], [today], [7 days ago].
        :param order_by: e.g. "id desc".
        :param page: From 1.
        :param page_size: Per page.
        """
        return await self._search("connectwise_get_tickets", "tickets", conditions, order_by, page, page_size,
                                  __event_emitter__, __user__, __metadata__)

    async def get_ticket(self, ticket_id: int, __event_emitter__: EventEmitter = None,
                         __user__: Optional[dict] = None, __metadata__: Optional[dict] = None) -> str:
        """
        Get one service ticket by its number: board, status, company, contact, priority, dates.
        :param ticket_id: The ticket number.
        """
        return await self._call("connectwise_get_ticket", {"ticket_id": ticket_id},
                                f"Fetching ticket {ticket_id}…", __event_emitter__, __user__, __metadata__)

    async def get_ticket_notes(self, ticket_id: int, order_by: str = "", page: int = 1, page_size: int = 25,
                               __event_emitter__: EventEmitter = None, __user__: Optional[dict] = None,
                               __metadata__: Optional[dict] = None) -> str:
        """
        List the notes of a ticket, oldest first; newest first with order_by "id desc".
        :param ticket_id: The ticket number.
        :param order_by: e.g. "id desc" for the newest first.
        :param page: From 1.
        :param page_size: Per page.
        """
        return await self._call("connectwise_get_ticket_notes", {
            "ticket_id": ticket_id, "orderBy": order_by, "page": page, "pageSize": page_size},
            f"Reading the notes of ticket {ticket_id}…", __event_emitter__, __user__, __metadata__)

    async def get_companies(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 5,
                            __event_emitter__: EventEmitter = None, __user__: Optional[dict] = None,
                            __metadata__: Optional[dict] = None) -> str:
        """
        Search companies (customers, vendors), with phones. Fields: identifier, name, status/name, city. Example: identifier = "ACME". Or: name like "%Dental%". Counts, totals: summarize.
        :param conditions: As in the examples.
        :param order_by: e.g. "name asc".
        :param page: From 1.
        :param page_size: Per page.
        """
        return await self._search("connectwise_get_companies", "companies", conditions, order_by, page, page_size,
                                  __event_emitter__, __user__, __metadata__)

    async def get_contacts(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 5,
                           __event_emitter__: EventEmitter = None, __user__: Optional[dict] = None,
                           __metadata__: Optional[dict] = None) -> str:
        """
        Search contacts (people at companies), with phones and e-mails. Fields: firstName, lastName, company/name, title, inactiveFlag. Example: company/name like "ACME%". Counts, totals: summarize.
        :param conditions: As in the examples.
        :param order_by: e.g. "lastName asc".
        :param page: From 1.
        :param page_size: Per page.
        """
        return await self._search("connectwise_get_contacts", "contacts", conditions, order_by, page, page_size,
                                  __event_emitter__, __user__, __metadata__)

    async def get_configurations(self, conditions: str = "", order_by: str = "", page: int = 1,
                                 page_size: int = 5, __event_emitter__: EventEmitter = None,
                                 __user__: Optional[dict] = None, __metadata__: Optional[dict] = None) -> str:
        """
        Search configurations (managed devices and assets). Fields: name, type/name, company/name, status/name, serialNumber. Example: company/identifier = "ACME" AND type/name = "Server". Counts, totals: summarize.
        :param conditions: As in the examples.
        :param order_by: e.g. "name asc".
        :param page: From 1.
        :param page_size: Per page.
        """
        return await self._search("connectwise_get_configurations", "configurations", conditions, order_by, page,
                                  page_size, __event_emitter__, __user__, __metadata__)

    async def get_agreements(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 5,
                             __event_emitter__: EventEmitter = None, __user__: Optional[dict] = None,
                             __metadata__: Optional[dict] = None) -> str:
        """
        Search agreements (contracts). Fields: name, company/name, type/name, agreementStatus, endDate. Example: company/name like "ACME%". Or: endDate >= [this month] AND endDate < [next month]. Counts, totals: summarize.
        :param conditions: As in the examples.
        :param order_by: e.g. "endDate asc".
        :param page: From 1.
        :param page_size: Per page.
        """
        return await self._search("connectwise_get_agreements", "agreements", conditions, order_by, page, page_size,
                                  __event_emitter__, __user__, __metadata__)

    async def get_opportunities(self, conditions: str = "", order_by: str = "", page: int = 1,
                                page_size: int = 5, __event_emitter__: EventEmitter = None,
                                __user__: Optional[dict] = None, __metadata__: Optional[dict] = None) -> str:
        """
        Search opportunities. Fields: name, company/name, status/name, stage/name, expectedCloseDate. Example: status/name = "Open". Counts, totals: summarize.
        :param conditions: As in the examples.
        :param order_by: e.g. "expectedCloseDate asc".
        :param page: From 1.
        :param page_size: Per page.
        """
        return await self._search("connectwise_get_opportunities", "opportunities", conditions, order_by, page,
                                  page_size, __event_emitter__, __user__, __metadata__)

    async def get_projects(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 5,
                           __event_emitter__: EventEmitter = None, __user__: Optional[dict] = None,
                           __metadata__: Optional[dict] = None) -> str:
        """
        Search projects. Fields: name, company/name, status/name, manager/identifier, closedFlag. Example: status/name = "Active". Counts, totals: summarize.
        :param conditions: As in the examples.
        :param order_by: e.g. "name asc".
        :param page: From 1.
        :param page_size: Per page.
        """
        return await self._search("connectwise_get_projects", "projects", conditions, order_by, page, page_size,
                                  __event_emitter__, __user__, __metadata__)

    async def get_time_entries(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 5,
                               __event_emitter__: EventEmitter = None, __user__: Optional[dict] = None,
                               __metadata__: Optional[dict] = None) -> str:
        """
        Search time entries. Fields: member/name, company/name, chargeToId (the ticket number), timeStart, actualHours. Example: timeStart >= [this week]. Or: chargeToId = 12345. Answers lead with the hours in all and by member.
        :param conditions: As in the examples; dates: [today], [last week].
        :param order_by: e.g. "timeStart desc".
        :param page: From 1.
        :param page_size: Per page.
        """
        return await self._search("connectwise_get_time_entries", "time entries", conditions, order_by, page,
                                  page_size, __event_emitter__, __user__, __metadata__)

    async def get_schedule_entries(self, conditions: str = "", order_by: str = "", page: int = 1,
                                   page_size: int = 5, __event_emitter__: EventEmitter = None,
                                   __user__: Optional[dict] = None, __metadata__: Optional[dict] = None) -> str:
        """
        Search schedule entries: who is booked when, on which ticket (objectId). Fields: member/name, member/identifier, dateStart, objectId. Example: member/name = "Jane Smith" AND dateStart >= [today] AND dateStart < [tomorrow]. Counts, totals: summarize.
        :param conditions: As in the examples; dates: [tomorrow], [next week].
        :param order_by: e.g. "dateStart asc".
        :param page: From 1.
        :param page_size: Per page.
        """
        return await self._search("connectwise_get_schedule_entries", "schedule entries", conditions, order_by, page,
                                  page_size, __event_emitter__, __user__, __metadata__)

    async def get_members(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 5,
                          __event_emitter__: EventEmitter = None, __user__: Optional[dict] = None,
                          __metadata__: Optional[dict] = None) -> str:
        """
        Search members (the MSP's own staff). Fields: identifier, firstName, lastName, title, inactiveFlag. Example: inactiveFlag = false. Counts, totals: summarize.
        :param conditions: As in the examples.
        :param order_by: e.g. "lastName asc".
        :param page: From 1.
        :param page_size: Per page.
        """
        return await self._search("connectwise_get_members", "members", conditions, order_by, page, page_size,
                                  __event_emitter__, __user__, __metadata__)

    async def summarize(self, entity: str, conditions: str = "", group_by: str = "", sum: str = "",
                        __event_emitter__: EventEmitter = None, __user__: Optional[dict] = None,
                        __metadata__: Optional[dict] = None) -> str:
        """
        How many, how much, who has most: exact counts and totals over every matching record. Examples: entity tickets, conditions closedFlag = false, group_by company/name. Or: entity time_entries, conditions timeStart >= [this week], sum actualHours.
        :param entity: e.g. tickets, time_entries, companies.
        :param conditions: As in the examples.
        :param group_by: Up to two fields; a date by :day, :week or :month.
        :param sum: Number fields to total.
        """
        return await self._call("connectwise_summarize", {
            "entity": entity, "conditions": conditions, "groupBy": group_by, "sum": sum},
            f"Summarizing {entity}…", __event_emitter__, __user__, __metadata__)

    async def read(self, path: str, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 25,
                   __event_emitter__: EventEmitter = None, __user__: Optional[dict] = None,
                   __metadata__: Optional[dict] = None) -> str:
        """
        Read any other ConnectWise path: a list (/service/boards), a record (/service/tickets/20001) or a child list (/service/tickets/20001/tasks).
        :param path: The path with real ids, e.g. /service/tickets/20001/tasks.
        :param conditions: As in the examples.
        :param order_by: e.g. "id desc".
        :param page: From 1.
        :param page_size: Per page.
        """
        return await self._call("connectwise_read", {
            "path": path, "conditions": conditions, "orderBy": order_by, "page": page, "pageSize": page_size},
            f"Reading {path}…", __event_emitter__, __user__, __metadata__)


async def _emit(emitter: EventEmitter, description: str, done: bool) -> None:
    if emitter is None:
        return
    try:
        await emitter({"type": "status", "data": {"description": description, "done": done, "hidden": False}})
    except Exception:  # a broken status display must not break the tool
        pass


def _http_error(status: int, text: str, retry_after: Optional[str]) -> str:
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict) and "error" in body:
        message, code = str(body["error"]), str(body.get("code", ""))
    else:
        message, code = text.strip()[:300] or "no details", ""
    hints = {
        "unauthorized": " Set the BRIDGE_API_KEY valve to the bridge's key.",
        "rate_limited": f" ConnectWise is throttling; wait {retry_after or 'a while'} seconds before trying again.",
        "budget_exhausted": f" Wait {retry_after or 'a few'} seconds before trying again.",
        "server_unavailable": " The bridge is restarting its ConnectWise server; try again in a moment.",
    }
    label = f"HTTP {status}" + (f", {code}" if code else "")
    return f"Error ({label}): {message}{hints.get(code, '')}"
