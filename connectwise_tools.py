"""
title: ConnectWise Manage
author: cw-mcp contributors
author_url: https://github.com/example/connectwise-mcp
version: 0.2.0
license: MIT
description: Read-only ConnectWise Manage (PSA) tools for tickets, companies, contacts, agreements, time, projects and more, through the ConnectWise MCP bridge.
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

    def __init__(self):
        self.valves = self.Valves()

    async def _call(self, tool: str, arguments: dict, status: str, emitter: EventEmitter) -> str:
        """Calls one bridge tool; returns its JSON answer, or a readable error. Never raises."""
        arguments = {k: v for k, v in arguments.items() if v is not None and v != ""}
        await _emit(emitter, status, done=False)
        base = self.valves.CONNECTWISE_BRIDGE_URL.rstrip("/")
        headers = {"Content-Type": "application/json"}
        if self.valves.BRIDGE_API_KEY.strip():
            headers["Authorization"] = f"Bearer {self.valves.BRIDGE_API_KEY.strip()}"
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

    # Companies

    async def get_companies(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 25,
                            fields: str = "", custom_field_conditions: str = "",
                            __event_emitter__: EventEmitter = None) -> str:
        """
        Search ConnectWise companies (customers, prospects, vendors). Useful fields: identifier, name, status/name, types/name, city. Example conditions: identifier = "ACME"; name like "%Dental%" AND status/name = "Active".
        :param conditions: ConnectWise conditions, e.g. identifier = "ACME". Quote text, dates in brackets [2024-01-31].
        :param order_by: Sort order such as "name asc".
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        :param fields: Fields to return, comma-separated, e.g. "id,identifier,name"; empty gives the key fields, "*" complete records.
        :param custom_field_conditions: Conditions on custom fields, e.g. caption = "Support Tier" AND value = "Gold".
        """
        return await self._call("connectwise_get_companies", {
            "conditions": conditions, "orderBy": order_by, "page": page, "pageSize": page_size, "fields": fields,
            "customFieldConditions": custom_field_conditions}, "Searching companies…", __event_emitter__)

    async def get_company(self, company_id: int, __event_emitter__: EventEmitter = None) -> str:
        """
        Get one ConnectWise company by its numeric id (find the id with get_companies).
        :param company_id: The company's numeric id.
        """
        return await self._call("connectwise_get_company", {"company_id": company_id},
                                f"Fetching company {company_id}…", __event_emitter__)

    async def get_company_sites(self, company_id: int, page: int = 1, page_size: int = 25,
                                __event_emitter__: EventEmitter = None) -> str:
        """
        List a ConnectWise company's sites (addresses and phone numbers).
        :param company_id: The company's numeric id.
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        """
        return await self._call("connectwise_get_company_sites", {"company_id": company_id, "page": page, "pageSize": page_size},
                                f"Listing sites of company {company_id}…", __event_emitter__)

    async def get_company_types(self, page: int = 1, page_size: int = 100, __event_emitter__: EventEmitter = None) -> str:
        """
        List ConnectWise company types (Client, Prospect, Vendor, ...).
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        """
        return await self._call("connectwise_get_company_types", {"page": page, "pageSize": page_size},
                                "Listing company types…", __event_emitter__)

    async def get_company_statuses(self, page: int = 1, page_size: int = 100, __event_emitter__: EventEmitter = None) -> str:
        """
        List ConnectWise company statuses (Active, Inactive, Credit Hold, ...).
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        """
        return await self._call("connectwise_get_company_statuses", {"page": page, "pageSize": page_size},
                                "Listing company statuses…", __event_emitter__)

    # Tickets

    async def get_tickets(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 25,
                          fields: str = "", __event_emitter__: EventEmitter = None) -> str:
        """
        Search ConnectWise service tickets. Useful fields: summary, company/identifier, company/name, status/name, board/name, priority/name, owner/identifier, closedFlag, _info/dateEntered. Example conditions: company/identifier = "ACME" AND closedFlag = false.
        :param conditions: ConnectWise conditions, e.g. company/identifier = "ACME" AND closedFlag = false.
        :param order_by: Sort order, e.g. "_info/dateEntered desc" for newest first.
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        :param fields: Fields to return, comma-separated, e.g. "id,summary,budgetHours"; empty gives the key fields, "*" complete records.
        """
        return await self._call("connectwise_get_tickets", {
            "conditions": conditions, "orderBy": order_by, "page": page, "pageSize": page_size, "fields": fields},
            "Searching tickets…", __event_emitter__)

    async def get_ticket(self, ticket_id: int, __event_emitter__: EventEmitter = None) -> str:
        """
        Get one ConnectWise service ticket by its number.
        :param ticket_id: The ticket number (numeric id).
        """
        return await self._call("connectwise_get_ticket", {"ticket_id": ticket_id},
                                f"Fetching ticket {ticket_id}…", __event_emitter__)

    async def get_ticket_notes(self, ticket_id: int, page: int = 1, page_size: int = 25,
                               __event_emitter__: EventEmitter = None) -> str:
        """
        List the notes (discussion, internal analysis, resolution) of a ConnectWise ticket, oldest first.
        :param ticket_id: The ticket number.
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        """
        return await self._call("connectwise_get_ticket_notes", {"ticket_id": ticket_id, "page": page, "pageSize": page_size},
                                f"Reading notes of ticket {ticket_id}…", __event_emitter__)

    async def get_ticket_tasks(self, ticket_id: int, page: int = 1, page_size: int = 25,
                               __event_emitter__: EventEmitter = None) -> str:
        """
        List the tasks (checklist items) of a ConnectWise ticket.
        :param ticket_id: The ticket number.
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        """
        return await self._call("connectwise_get_ticket_tasks", {"ticket_id": ticket_id, "page": page, "pageSize": page_size},
                                f"Listing tasks of ticket {ticket_id}…", __event_emitter__)

    async def get_ticket_schedules(self, ticket_id: int, page: int = 1, page_size: int = 25,
                                   __event_emitter__: EventEmitter = None) -> str:
        """
        List the schedule entries of a ConnectWise ticket: which member is booked when.
        :param ticket_id: The ticket number.
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        """
        return await self._call("connectwise_get_ticket_schedules", {"ticket_id": ticket_id, "page": page, "pageSize": page_size},
                                f"Listing schedule of ticket {ticket_id}…", __event_emitter__)

    async def get_ticket_priorities(self, page: int = 1, page_size: int = 100, __event_emitter__: EventEmitter = None) -> str:
        """
        List ConnectWise ticket priorities with their sort order.
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        """
        return await self._call("connectwise_get_ticket_priorities", {"page": page, "pageSize": page_size},
                                "Listing ticket priorities…", __event_emitter__)

    async def get_ticket_sources(self, page: int = 1, page_size: int = 100, __event_emitter__: EventEmitter = None) -> str:
        """
        List ConnectWise ticket sources (Phone, Email, Portal, ...).
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        """
        return await self._call("connectwise_get_ticket_sources", {"page": page, "pageSize": page_size},
                                "Listing ticket sources…", __event_emitter__)

    async def get_service_boards(self, page: int = 1, page_size: int = 100, __event_emitter__: EventEmitter = None) -> str:
        """
        List ConnectWise service boards (ticket queues such as Service Desk) with their ids.
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        """
        return await self._call("connectwise_get_service_boards", {"page": page, "pageSize": page_size},
                                "Listing service boards…", __event_emitter__)

    async def get_board_statuses(self, board_id: int, page: int = 1, page_size: int = 100,
                                 __event_emitter__: EventEmitter = None) -> str:
        """
        List the statuses of a ConnectWise service board.
        :param board_id: The board's numeric id (see get_service_boards).
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        """
        return await self._call("connectwise_get_board_statuses", {"board_id": board_id, "page": page, "pageSize": page_size},
                                f"Listing statuses of board {board_id}…", __event_emitter__)

    # Contacts

    async def get_contacts(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 25,
                           fields: str = "", child_conditions: str = "", __event_emitter__: EventEmitter = None) -> str:
        """
        Search ConnectWise contacts (people at companies). Useful fields: firstName, lastName, company/identifier, title, inactiveFlag. Example conditions: company/identifier = "ACME" AND inactiveFlag = false.
        :param conditions: ConnectWise conditions, e.g. lastName = "Smith".
        :param order_by: Sort order such as "lastName asc".
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        :param fields: Fields to return, comma-separated; empty gives the key fields, "*" complete records.
        :param child_conditions: Conditions on e-mail and phone entries, e.g. communicationItems/value = "jane@acme.com".
        """
        return await self._call("connectwise_get_contacts", {
            "conditions": conditions, "orderBy": order_by, "page": page, "pageSize": page_size, "fields": fields,
            "childConditions": child_conditions}, "Searching contacts…", __event_emitter__)

    async def get_contact(self, contact_id: int, __event_emitter__: EventEmitter = None) -> str:
        """
        Get one ConnectWise contact by numeric id, with phone numbers and e-mail addresses.
        :param contact_id: The contact's numeric id.
        """
        return await self._call("connectwise_get_contact", {"contact_id": contact_id},
                                f"Fetching contact {contact_id}…", __event_emitter__)

    async def get_contact_types(self, page: int = 1, page_size: int = 100, __event_emitter__: EventEmitter = None) -> str:
        """
        List ConnectWise contact types (Decision Maker, Billing, ...).
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        """
        return await self._call("connectwise_get_contact_types", {"page": page, "pageSize": page_size},
                                "Listing contact types…", __event_emitter__)

    # Sales

    async def get_opportunities(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 25,
                                fields: str = "", __event_emitter__: EventEmitter = None) -> str:
        """
        Search ConnectWise sales opportunities. Useful fields: name, company/identifier, status/name, stage/name, primarySalesRep/identifier, expectedCloseDate.
        :param conditions: ConnectWise conditions, e.g. status/name = "Open".
        :param order_by: Sort order such as "expectedCloseDate asc".
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        :param fields: Fields to return, comma-separated; empty gives the key fields, "*" complete records.
        """
        return await self._call("connectwise_get_opportunities", {
            "conditions": conditions, "orderBy": order_by, "page": page, "pageSize": page_size, "fields": fields},
            "Searching opportunities…", __event_emitter__)

    async def get_opportunity(self, opportunity_id: int, __event_emitter__: EventEmitter = None) -> str:
        """
        Get one ConnectWise sales opportunity by numeric id.
        :param opportunity_id: The opportunity's numeric id.
        """
        return await self._call("connectwise_get_opportunity", {"opportunity_id": opportunity_id},
                                f"Fetching opportunity {opportunity_id}…", __event_emitter__)

    async def get_activities(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 25,
                             fields: str = "", __event_emitter__: EventEmitter = None) -> str:
        """
        Search ConnectWise sales activities (calls, meetings, follow-ups). Useful fields: name, company/identifier, type/name, status/name, assignTo/identifier, dateStart.
        :param conditions: ConnectWise conditions, e.g. assignTo/identifier = "jsmith" AND status/name = "Open".
        :param order_by: Sort order such as "dateStart desc".
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        :param fields: Fields to return, comma-separated; empty gives the key fields, "*" complete records.
        """
        return await self._call("connectwise_get_activities", {
            "conditions": conditions, "orderBy": order_by, "page": page, "pageSize": page_size, "fields": fields},
            "Searching activities…", __event_emitter__)

    async def get_activity(self, activity_id: int, __event_emitter__: EventEmitter = None) -> str:
        """
        Get one ConnectWise sales activity by numeric id.
        :param activity_id: The activity's numeric id.
        """
        return await self._call("connectwise_get_activity", {"activity_id": activity_id},
                                f"Fetching activity {activity_id}…", __event_emitter__)

    # Finance

    async def get_agreements(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 25,
                             fields: str = "", __event_emitter__: EventEmitter = None) -> str:
        """
        Search ConnectWise agreements (contracts). Useful fields: name, company/identifier, type/name, agreementStatus, cancelledFlag, endDate.
        :param conditions: ConnectWise conditions, e.g. company/identifier = "ACME" AND agreementStatus = "Active".
        :param order_by: Sort order such as "endDate asc".
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        :param fields: Fields to return, comma-separated; empty gives the key fields, "*" complete records.
        """
        return await self._call("connectwise_get_agreements", {
            "conditions": conditions, "orderBy": order_by, "page": page, "pageSize": page_size, "fields": fields},
            "Searching agreements…", __event_emitter__)

    async def get_agreement(self, agreement_id: int, __event_emitter__: EventEmitter = None) -> str:
        """
        Get one ConnectWise agreement by numeric id.
        :param agreement_id: The agreement's numeric id.
        """
        return await self._call("connectwise_get_agreement", {"agreement_id": agreement_id},
                                f"Fetching agreement {agreement_id}…", __event_emitter__)

    async def get_agreement_additions(self, agreement_id: int, page: int = 1, page_size: int = 25,
                                      __event_emitter__: EventEmitter = None) -> str:
        """
        List the additions (billed products, quantities, prices) of a ConnectWise agreement.
        :param agreement_id: The agreement's numeric id.
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        """
        return await self._call("connectwise_get_agreement_additions",
                                {"agreement_id": agreement_id, "page": page, "pageSize": page_size},
                                f"Listing additions of agreement {agreement_id}…", __event_emitter__)

    async def get_invoices(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 25,
                           fields: str = "", __event_emitter__: EventEmitter = None) -> str:
        """
        Search ConnectWise invoices. Useful fields: invoiceNumber, company/identifier, status/name, date, dueDate, total, balance. Example conditions: balance > 0 AND dueDate < [2024-06-01].
        :param conditions: ConnectWise conditions, e.g. balance > 0.
        :param order_by: Sort order such as "dueDate asc".
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        :param fields: Fields to return, comma-separated; empty gives the key fields, "*" complete records.
        """
        return await self._call("connectwise_get_invoices", {
            "conditions": conditions, "orderBy": order_by, "page": page, "pageSize": page_size, "fields": fields},
            "Searching invoices…", __event_emitter__)

    async def get_invoice(self, invoice_id: int, __event_emitter__: EventEmitter = None) -> str:
        """
        Get one ConnectWise invoice by numeric id.
        :param invoice_id: The invoice's numeric id.
        """
        return await self._call("connectwise_get_invoice", {"invoice_id": invoice_id},
                                f"Fetching invoice {invoice_id}…", __event_emitter__)

    async def get_billing_cycles(self, page: int = 1, page_size: int = 100, __event_emitter__: EventEmitter = None) -> str:
        """
        List ConnectWise billing cycles (Monthly, Quarterly, ...).
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        """
        return await self._call("connectwise_get_billing_cycles", {"page": page, "pageSize": page_size},
                                "Listing billing cycles…", __event_emitter__)

    async def get_expense_entries(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 25,
                                  fields: str = "", __event_emitter__: EventEmitter = None) -> str:
        """
        Search ConnectWise expense entries. Useful fields: company/identifier, member/identifier, type/name, amount, date, chargeToId.
        :param conditions: ConnectWise conditions, e.g. member/identifier = "jsmith" AND date >= [2024-05-01].
        :param order_by: Sort order such as "date desc".
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        :param fields: Fields to return, comma-separated; empty gives the key fields, "*" complete records.
        """
        return await self._call("connectwise_get_expense_entries", {
            "conditions": conditions, "orderBy": order_by, "page": page, "pageSize": page_size, "fields": fields},
            "Searching expense entries…", __event_emitter__)

    async def get_expense_entry(self, expense_entry_id: int, __event_emitter__: EventEmitter = None) -> str:
        """
        Get one ConnectWise expense entry by numeric id.
        :param expense_entry_id: The expense entry's numeric id.
        """
        return await self._call("connectwise_get_expense_entry", {"expense_entry_id": expense_entry_id},
                                f"Fetching expense entry {expense_entry_id}…", __event_emitter__)

    # Time and projects

    async def get_time_entries(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 25,
                               fields: str = "", __event_emitter__: EventEmitter = None) -> str:
        """
        Search ConnectWise time entries. Useful fields: member/identifier, company/identifier, chargeToId (the ticket number), chargeToType, timeStart, actualHours.
        :param conditions: ConnectWise conditions, e.g. chargeToType = "ServiceTicket" AND chargeToId = 12345.
        :param order_by: Sort order such as "timeStart desc".
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        :param fields: Fields to return, comma-separated; empty gives the key fields, "*" complete records.
        """
        return await self._call("connectwise_get_time_entries", {
            "conditions": conditions, "orderBy": order_by, "page": page, "pageSize": page_size, "fields": fields},
            "Searching time entries…", __event_emitter__)

    async def get_time_entry(self, time_entry_id: int, __event_emitter__: EventEmitter = None) -> str:
        """
        Get one ConnectWise time entry by numeric id.
        :param time_entry_id: The time entry's numeric id.
        """
        return await self._call("connectwise_get_time_entry", {"time_entry_id": time_entry_id},
                                f"Fetching time entry {time_entry_id}…", __event_emitter__)

    async def get_projects(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 25,
                           fields: str = "", __event_emitter__: EventEmitter = None) -> str:
        """
        Search ConnectWise projects. Useful fields: name, company/identifier, status/name, manager/identifier, closedFlag, estimatedEnd.
        :param conditions: ConnectWise conditions, e.g. closedFlag = false.
        :param order_by: Sort order such as "estimatedEnd asc".
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        :param fields: Fields to return, comma-separated; empty gives the key fields, "*" complete records.
        """
        return await self._call("connectwise_get_projects", {
            "conditions": conditions, "orderBy": order_by, "page": page, "pageSize": page_size, "fields": fields},
            "Searching projects…", __event_emitter__)

    async def get_project(self, project_id: int, __event_emitter__: EventEmitter = None) -> str:
        """
        Get one ConnectWise project by numeric id.
        :param project_id: The project's numeric id.
        """
        return await self._call("connectwise_get_project", {"project_id": project_id},
                                f"Fetching project {project_id}…", __event_emitter__)

    # Members and configurations

    async def get_members(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 25,
                          fields: str = "", __event_emitter__: EventEmitter = None) -> str:
        """
        Search ConnectWise members (the MSP's own staff). Useful fields: identifier, firstName, lastName, title, inactiveFlag.
        :param conditions: ConnectWise conditions, e.g. inactiveFlag = false.
        :param order_by: Sort order such as "lastName asc".
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        :param fields: Fields to return, comma-separated; empty gives the key fields, "*" complete records.
        """
        return await self._call("connectwise_get_members", {
            "conditions": conditions, "orderBy": order_by, "page": page, "pageSize": page_size, "fields": fields},
            "Searching members…", __event_emitter__)

    async def get_member(self, member_id: int, __event_emitter__: EventEmitter = None) -> str:
        """
        Get one ConnectWise member by numeric id.
        :param member_id: The member's numeric id.
        """
        return await self._call("connectwise_get_member", {"member_id": member_id},
                                f"Fetching member {member_id}…", __event_emitter__)

    async def get_configurations(self, conditions: str = "", order_by: str = "", page: int = 1, page_size: int = 25,
                                 fields: str = "", __event_emitter__: EventEmitter = None) -> str:
        """
        Search ConnectWise configuration items (managed devices and assets). Useful fields: name, type/name, company/identifier, status/name, serialNumber.
        :param conditions: ConnectWise conditions, e.g. company/identifier = "ACME" AND type/name = "Server".
        :param order_by: Sort order such as "name asc".
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        :param fields: Fields to return, comma-separated; empty gives the key fields, "*" complete records.
        """
        return await self._call("connectwise_get_configurations", {
            "conditions": conditions, "orderBy": order_by, "page": page, "pageSize": page_size, "fields": fields},
            "Searching configurations…", __event_emitter__)

    async def get_configuration(self, configuration_id: int, __event_emitter__: EventEmitter = None) -> str:
        """
        Get one ConnectWise configuration item by numeric id.
        :param configuration_id: The configuration's numeric id.
        """
        return await self._call("connectwise_get_configuration", {"configuration_id": configuration_id},
                                f"Fetching configuration {configuration_id}…", __event_emitter__)

    async def get_configuration_types(self, page: int = 1, page_size: int = 100,
                                      __event_emitter__: EventEmitter = None) -> str:
        """
        List ConnectWise configuration types (Server, Workstation, Firewall, ...).
        :param page: Page number, starting at 1.
        :param page_size: Records per page, 1 to 1000.
        """
        return await self._call("connectwise_get_configuration_types", {"page": page, "pageSize": page_size},
                                "Listing configuration types…", __event_emitter__)

    # Counting and connection

    async def count(self, entity: str, conditions: str = "", __event_emitter__: EventEmitter = None) -> str:
        """
        Count ConnectWise records that match conditions, for "how many" questions, without fetching them.
        :param entity: What to count: tickets, companies, contacts, opportunities, agreements, invoices, expense_entries, time_entries, projects, activities, members or configurations.
        :param conditions: ConnectWise conditions, e.g. company/identifier = "ACME" AND closedFlag = false.
        """
        return await self._call("connectwise_count", {"entity": entity, "conditions": conditions},
                                f"Counting {entity}…", __event_emitter__)

    async def get_system_info(self, __event_emitter__: EventEmitter = None) -> str:
        """
        Check the connection to ConnectWise and report its version. Use it when other tools fail.
        """
        return await self._call("connectwise_get_system_info", {}, "Checking the ConnectWise connection…", __event_emitter__)


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
        401: " Set the BRIDGE_API_KEY valve to the bridge's key.",
        429: f" ConnectWise is throttling; wait {retry_after or 'a while'} seconds before trying again.",
        503: " The bridge is restarting its ConnectWise server; try again in a moment.",
    }
    label = f"HTTP {status}" + (f", {code}" if code else "")
    return f"Error ({label}): {message}{hints.get(status, '')}"
