"""
title: ConnectWise Manage
author: cw-mcp contributors
author_url: https://github.com/example/connectwise-mcp
version: 0.3.0
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
        headers = {"Content-Type": "application/json"}
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
        """Calls one bridge tool; returns its JSON answer, or a readable error. Never raises."""
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
                        result = _compact(text)
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

    # The compact set: the three generic tools reach every ConnectWise endpoint; the curated ones
    # answer the questions asked most. OpenWebUI sends every method to the model on every turn,
    # so there are few of them (the bridge's OpenAPI server and /mcp offer the fuller sets).

    async def find_endpoints(self, query: str, __event_emitter__: EventEmitter = None,
            __user__: Optional[dict] = None, __metadata__: Optional[dict] = None) -> str:
        """
        Find ConnectWise API endpoints by keyword (schedule, agreement additions, project phases, board teams, ...). Read them with read.
        :param query: One or a few words, e.g. "schedule entries".
        """
        return await self._call("connectwise_find_endpoints", {"query": query},
                                f"Finding ConnectWise endpoints for {query}…", __event_emitter__, __user__, __metadata__)

    async def describe_endpoint(self, path: str, __event_emitter__: EventEmitter = None,
            __user__: Optional[dict] = None, __metadata__: Optional[dict] = None) -> str:
        """
        Describe one ConnectWise endpoint: its fields with types and values, child lists, example conditions and call.
        :param path: A path from find_endpoints, e.g. /service/tickets.
        """
        return await self._call("connectwise_describe_endpoint", {"path": path},
                                f"Describing {path}…", __event_emitter__, __user__, __metadata__)

    async def read(self, path: str, conditions: str = "", order_by: str = "", fields: str = "", page: int = 1,
                   page_size: int = 25, __event_emitter__: EventEmitter = None,
            __user__: Optional[dict] = None, __metadata__: Optional[dict] = None) -> str:
        """
        Read any ConnectWise path (read-only): a list (/service/tickets), a record (/service/tickets/20001), a child list (/service/tickets/20001/notes) or a count (/service/tickets/count).
        :param path: The path with real ids, e.g. /schedule/entries.
        :param conditions: ConnectWise conditions, e.g. member/identifier = "jsmith" AND dateStart > [2024-01-31].
        :param order_by: Sort order, e.g. "id desc".
        :param fields: Fields to return, comma-separated; empty gives whole records.
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        """
        return await self._call("connectwise_read", {
            "path": path, "conditions": conditions, "orderBy": order_by, "fields": fields, "page": page,
            "pageSize": page_size}, f"Reading {path}…", __event_emitter__, __user__, __metadata__)

    async def get_tickets(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 25,
                          fields: str = "", __event_emitter__: EventEmitter = None,
            __user__: Optional[dict] = None, __metadata__: Optional[dict] = None) -> str:
        """
        Search ConnectWise service tickets. Example conditions: company/identifier = "ACME" AND closedFlag = false.
        :param conditions: ConnectWise conditions: text in double quotes, dates in brackets [2024-01-31], nested fields with /.
        :param order_by: Sort order, e.g. "_info/dateEntered desc" for newest first.
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        :param fields: Fields to return, comma-separated; empty gives the key fields, "*" complete records.
        """
        return await self._call("connectwise_get_tickets", {
            "conditions": conditions, "orderBy": order_by, "page": page, "pageSize": page_size, "fields": fields},
            "Searching tickets…", __event_emitter__, __user__, __metadata__)

    async def get_ticket(self, ticket_id: int, __event_emitter__: EventEmitter = None,
            __user__: Optional[dict] = None, __metadata__: Optional[dict] = None) -> str:
        """
        Get one ConnectWise service ticket by its number.
        :param ticket_id: The ticket number.
        """
        return await self._call("connectwise_get_ticket", {"ticket_id": ticket_id},
                                f"Fetching ticket {ticket_id}…", __event_emitter__, __user__, __metadata__)

    async def get_companies(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 25,
                            fields: str = "", __event_emitter__: EventEmitter = None,
            __user__: Optional[dict] = None, __metadata__: Optional[dict] = None) -> str:
        """
        Search ConnectWise companies. Example conditions: identifier = "ACME"; name contains "Dental".
        :param conditions: ConnectWise conditions: text in double quotes, nested fields with /.
        :param order_by: Sort order such as "name asc".
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        :param fields: Fields to return, comma-separated; empty gives the key fields, "*" complete records.
        """
        return await self._call("connectwise_get_companies", {
            "conditions": conditions, "orderBy": order_by, "page": page, "pageSize": page_size, "fields": fields},
            "Searching companies…", __event_emitter__, __user__, __metadata__)

    async def get_contacts(self, conditions: str = "", page: int = 1, page_size: int = 25, fields: str = "",
                           child_conditions: str = "", __event_emitter__: EventEmitter = None,
            __user__: Optional[dict] = None, __metadata__: Optional[dict] = None) -> str:
        """
        Search ConnectWise contacts (people at companies). Example conditions: company/identifier = "ACME".
        :param conditions: ConnectWise conditions, e.g. lastName = "Smith".
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        :param fields: Fields to return, comma-separated; empty gives the key fields.
        :param child_conditions: Conditions on e-mail and phone entries, e.g. communicationItems/value = "jane@acme.com".
        """
        return await self._call("connectwise_get_contacts", {
            "conditions": conditions, "page": page, "pageSize": page_size, "fields": fields,
            "childConditions": child_conditions}, "Searching contacts…", __event_emitter__, __user__, __metadata__)

    async def count(self, entity: str, conditions: str = "", __event_emitter__: EventEmitter = None,
            __user__: Optional[dict] = None, __metadata__: Optional[dict] = None) -> str:
        """
        Count ConnectWise records matching conditions, for "how many" questions.
        :param entity: tickets, companies, contacts, opportunities, agreements, invoices, expense_entries, time_entries, projects, activities, members or configurations.
        :param conditions: ConnectWise conditions, e.g. company/identifier = "ACME" AND closedFlag = false.
        """
        return await self._call("connectwise_count", {"entity": entity, "conditions": conditions},
                                f"Counting {entity}…", __event_emitter__, __user__, __metadata__)


async def _emit(emitter: EventEmitter, description: str, done: bool) -> None:
    if emitter is None:
        return
    try:
        await emitter({"type": "status", "data": {"description": description, "done": done, "hidden": False}})
    except Exception:  # a broken status display must not break the tool
        pass


def _compact(text: str) -> str:
    try:
        return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        return text


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
