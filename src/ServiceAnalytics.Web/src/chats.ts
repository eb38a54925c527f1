// All Chats: one ListChats filter, keyset-paged ("More chats" appends the next page by next_page_token), with the
// list's exact total from the RPC.

import { ApiError, type ChatCriteria, type ChatPage, type ChatRow, listChats, type Period } from "./api";
import type { Credential } from "./credential";
import { byId, h } from "./dom";
import { formatDuration, formatInstant, formatValue, missing } from "./format";

export interface ChatFilter {
  shopId: string;
  period: Period;
  timeZone: string;
  criteria: ChatCriteria;
  /** What the list is, in words ("Not responded", "Ada's chats handled"). */
  label: string;
}

const enumLabel = (value: string, prefix: string) =>
  value.startsWith(prefix) ? value.slice(prefix.length).toLowerCase().replaceAll("_", " ") : value;

const columns: [string, (row: ChatRow, timeZone: string) => string][] = [
  ["Received", (row, zone) => formatInstant(row.receivedAt, zone)],
  ["Chat", (row) => row.chatId],
  ["Customer", (row) => row.customerId || missing],
  ["Status", (row) => enumLabel(row.status, "CHAT_STATUS_")],
  ["Type", (row) => enumLabel(row.type, "CHAT_TYPE_")],
  ["Tags", (row) => (row.tags ?? []).join(", ") || missing],
  ["Agent", (row) => row.currentAgentId || "unassigned"],
  ["First response", (row) => (row.firstResponseSeconds === undefined ? missing : formatDuration(row.firstResponseSeconds))],
  ["Rating", (row) => (row.rating ? `${row.rating}★` : missing)],
  ["Converted", (row) => (row.converted ? "yes" : "no")],
];

export class ChatList {
  private filter: ChatFilter | null = null;
  private nextToken = "";
  private loaded = 0;
  /** Increases with every new filter, so a slow page of an earlier filter is dropped. */
  private generation = 0;

  private readonly section = byId<HTMLElement>("all-chats");
  private readonly title = byId<HTMLElement>("chats-filter");
  private readonly summary = byId<HTMLElement>("chats-summary");
  private readonly table = byId<HTMLTableElement>("chats");
  private readonly status = byId<HTMLElement>("chats-status");
  private readonly more = byId<HTMLButtonElement>("chats-more");
  private readonly pageSize = byId<HTMLSelectElement>("page-size");

  constructor(
    private readonly credential: () => Credential | null,
    private readonly onAuthFailure: (error: ApiError) => boolean,
  ) {
    this.more.addEventListener("click", () => void this.loadPage());
    this.pageSize.addEventListener("change", () => this.filter && this.open(this.filter));
  }

  open(filter: ChatFilter): void {
    this.filter = filter;
    this.generation++;
    this.nextToken = "";
    this.loaded = 0;
    this.section.hidden = false;
    this.title.textContent = `— ${filter.label}`;
    this.summary.textContent = "";
    this.table.replaceChildren(h("thead", {}, h("tr", {}, ...columns.map(([name]) => h("th", { scope: "col" }, name)))), h("tbody"));
    this.section.scrollIntoView({ block: "start" });
    void this.loadPage();
  }

  hide(): void {
    this.filter = null;
    this.generation++;
    this.section.hidden = true;
  }

  private async loadPage(): Promise<void> {
    const filter = this.filter;
    const credential = this.credential();
    if (filter === null || credential === null) {
      return;
    }
    const generation = this.generation;
    this.more.hidden = true;
    this.status.replaceChildren("Loading chats…");
    this.section.setAttribute("aria-busy", "true");
    let page: ChatPage;
    try {
      page = await listChats(credential, filter.shopId, filter.period, filter.criteria, Number(this.pageSize.value), this.nextToken);
    } catch (error) {
      if (generation !== this.generation) {
        return;
      }
      this.section.removeAttribute("aria-busy");
      const failure = error instanceof ApiError ? error : new ApiError(0, String(error));
      if (!this.onAuthFailure(failure)) {
        const retry = h("button", { type: "button" }, "Retry");
        retry.addEventListener("click", () => void this.loadPage());
        this.status.replaceChildren(h("span", { class: "error", role: "alert" }, `Could not list the chats: ${failure.reason} `), retry);
      }
      return;
    }
    if (generation !== this.generation) {
      return;
    }
    this.section.removeAttribute("aria-busy");
    const body = this.table.tBodies[0];
    body.append(...page.chats.map((row) => h("tr", { "data-chat-id": row.chatId }, ...columns.map(([, cell]) => h("td", {}, cell(row, filter.timeZone))))));
    this.loaded += page.chats.length;
    this.nextToken = page.nextPageToken ?? "";
    const total = page.total ?? 0;
    this.summary.replaceChildren(
      h("span", { id: "chats-total", "data-value": String(total) }, formatValue(total, "count")),
      ` chats, ${filter.period.firstDay} – ${filter.period.lastDay}; showing ${formatValue(this.loaded, "count")}.`,
    );
    this.status.replaceChildren(total === 0 ? "No chats of this kind in the period." : "");
    this.more.hidden = this.nextToken === "";
  }
}
