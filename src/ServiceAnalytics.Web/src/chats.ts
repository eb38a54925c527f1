// All Chats: a filter form over ListChats' filters (chat type, status, tag, current agent, customer), keyset paging
// ("More chats" appends the next page by next_page_token) with the list's exact total from the RPC, a row's
// timeline, transfer and the CSV export. The section lists nothing until asked (the form's List button, or a
// drill-down elsewhere calling open), so the report's first view costs no ListChats.

import { ApiError, type ChatCriteria, type ChatPage, type ChatRow, getAgentDetails, getTagBreakdown, listChats, type Period } from "./api";
import { Choices, type Choice } from "./choices";
import type { Credential } from "./credential";
import { byId, h } from "./dom";
import { exportChats } from "./export";
import { formatDuration, formatInstant, formatValue, missing } from "./format";
import { type AuthFailureHandler, type ReportContext, type ReportSection, SectionLoader } from "./report";
import { Timeline } from "./timeline";
import { type Agent, TransferDialog } from "./transfer";

export interface ChatFilter {
  shopId: string;
  period: Period;
  timeZone: string;
  criteria: ChatCriteria;
  /** What the list is, in words ("Not responded", "Ada's chats handled"). */
  label: string;
}

/** The shop and period the section lists chats of. */
type Subject = Omit<ChatFilter, "criteria" | "label">;

const chatTypes: Choice[] = [
  ["CHAT_TYPE_RESPONDED_24H", "Responded within 24 h"],
  ["CHAT_TYPE_RESPONDED_LATE", "Responded late"],
  ["CHAT_TYPE_NON_RESPONDED", "Not responded"],
  ["CHAT_TYPE_PENDING", "Pending"],
  ["CHAT_TYPE_ASSISTANT_SOLVED", "Solved by the assistant"],
  ["CHAT_TYPE_NO_INQUIRY", "No inquiry"],
  ["CHAT_TYPE_RATED_1_TO_3", "Rated 1–3★"],
  ["CHAT_TYPE_RATED_4_OR_5", "Rated 4–5★"],
  ["CHAT_TYPE_CONVERTED", "Converted"],
];

const chatStatuses: Choice[] = [
  ["CHAT_STATUS_ACTIVE", "Active"],
  ["CHAT_STATUS_RESOLVED", "Resolved"],
  ["CHAT_STATUS_ENDED", "Ended"],
];

/** Active: neither resolved nor ended, the only chats TransferChat accepts. */
const transferable = (row: ChatRow) => row.status === "CHAT_STATUS_ACTIVE";

const enumLabel = (value: string, prefix: string) =>
  value.startsWith(prefix) ? value.slice(prefix.length).toLowerCase().replaceAll("_", " ") : value;

const columns: [string, (row: ChatRow, timeZone: string) => string][] = [
  ["Received", (row, zone) => formatInstant(row.receivedAt, zone)],
  ["Customer", (row) => row.customerId || missing],
  ["Status", (row) => enumLabel(row.status, "CHAT_STATUS_")],
  ["Type", (row) => enumLabel(row.type, "CHAT_TYPE_")],
  ["Tags", (row) => (row.tags ?? []).join(", ") || missing],
  ["Agent", (row) => row.currentAgentId || "unassigned"],
  ["First response", (row) => (row.firstResponseSeconds === undefined ? missing : formatDuration(row.firstResponseSeconds))],
  ["Rating", (row) => (row.rating ? `${row.rating}★` : missing)],
  ["Converted", (row) => (row.converted ? "yes" : "no")],
];

/** The criteria the form has controls for; a drill-down's other criteria are kept beside the form, unchanged. */
const formKeys = ["chatTypes", "statuses", "tags", "agentIds", "customerId"] as const;

export class ChatList implements ReportSection {
  private subject: Subject | null = null;
  /** The filter of the list shown; null while nothing is listed. */
  private filter: ChatFilter | null = null;
  /** A drill-down's criteria without a control in the form, and its label for them. */
  private extra: { criteria: ChatCriteria; label: string } | null = null;
  private nextToken = "";
  private loaded = 0;
  private rows = new Map<string, ChatRow>();
  /** Increases with every new list, subject or hide, so an export's outcome shows only under the list it exported. */
  private generation = 0;
  private agents: Promise<Agent[]> | null = null;
  private tagNames: Promise<string[]> | null = null;
  /** Whether the caller holds the transfer scope, from GetCaller's answer at sign-in (the service still decides). */
  private transferAllowed = false;
  /** An export is downloading: the button stays disabled whatever list is shown meanwhile. */
  private exporting = false;

  private readonly section = byId<HTMLElement>("all-chats");
  private readonly title = byId<HTMLElement>("chats-filter");
  private readonly form = byId<HTMLFormElement>("chats-filters");
  private readonly types = new Choices(byId<HTMLDetailsElement>("filter-types"), "type");
  private readonly statuses = new Choices(byId<HTMLDetailsElement>("filter-statuses"), "status");
  private readonly tags = new Choices(byId<HTMLDetailsElement>("filter-tags"), "tag", "No tags in this period.");
  private readonly agentChoices = new Choices(byId<HTMLDetailsElement>("filter-agents"), "agent", "No agents in this period.");
  private readonly customer = byId<HTMLInputElement>("filter-customer");
  private readonly clear = byId<HTMLButtonElement>("chats-clear");
  private readonly exportButton = byId<HTMLButtonElement>("chats-export");
  private readonly exportStatus = byId<HTMLElement>("chats-export-status");
  private readonly summary = byId<HTMLElement>("chats-summary");
  private readonly transferNote = byId<HTMLElement>("chats-transfer-note");
  private readonly table = byId<HTMLTableElement>("chats");
  private readonly status = byId<HTMLElement>("chats-status");
  private readonly more = byId<HTMLButtonElement>("chats-more");
  private readonly pageSize = byId<HTMLSelectElement>("page-size");
  private readonly timeline: Timeline;
  private readonly transfer: TransferDialog;
  /** Loads the list's pages; a slow page of an earlier list (cancelled by a new list, subject or hide) is dropped. */
  private readonly pages: SectionLoader;

  constructor(
    private readonly credential: () => Credential | null,
    private readonly onAuthFailure: AuthFailureHandler,
  ) {
    this.types.offer(chatTypes);
    this.statuses.offer(chatStatuses);
    this.timeline = new Timeline(onAuthFailure);
    this.transfer = new TransferDialog(onAuthFailure);
    this.pages = new SectionLoader(this.section, this.status, "the chats", onAuthFailure);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.applyForm();
    });
    this.clear.addEventListener("click", () => this.resetForm());
    this.exportButton.addEventListener("click", () => void this.export());
    this.more.addEventListener("click", () => void this.loadPage());
    this.pageSize.addEventListener("change", () => this.filter && this.list(this.filter));
    // The tag and agent choices cost an RPC each: asked for when the user opens them, not with the report.
    this.tags.element.addEventListener("toggle", () => this.tags.element.open && void this.offerTags());
    this.agentChoices.element.addEventListener("toggle", () => this.agentChoices.element.open && void this.offerAgents());
  }

  /** The report's subject changed: an empty list with a cleared form for the new shop and period. */
  show(context: ReportContext): void {
    this.setSubject({ shopId: context.shopId, period: context.period, timeZone: context.timeZone });
    this.resetForm();
    this.clearList();
  }

  /** The caller's scopes from GetCaller: Transfer is offered only with the transfer scope. */
  setScopes(scopes: readonly string[]): void {
    this.transferAllowed = scopes.includes("transfer");
  }

  hide(): void {
    this.generation++;
    this.pages.cancel();
    this.subject = null;
    this.filter = null;
    this.timeline.close();
    this.transfer.close();
  }

  /** Lists a drill-down's chats: its criteria shown in the form where it has a control, its label above the list. */
  open(filter: ChatFilter): void {
    this.setSubject(filter);
    const criteria = filter.criteria;
    this.types.select(criteria.chatTypes ?? []);
    this.statuses.select(criteria.statuses ?? []);
    this.tags.select(criteria.tags ?? []);
    this.agentChoices.select(criteria.agentIds ?? []);
    this.customer.value = criteria.customerId ?? "";
    const others: ChatCriteria = { ...criteria };
    for (const key of formKeys) {
      delete others[key];
    }
    this.extra = Object.values(others).some((value) => value !== undefined && (!Array.isArray(value) || value.length > 0))
      ? { criteria: others, label: filter.label }
      : null;
    this.list(filter);
    this.section.scrollIntoView({ block: "start" });
  }

  private setSubject(subject: Subject): void {
    const current = this.subject;
    if (current?.shopId === subject.shopId && current.period.firstDay === subject.period.firstDay && current.period.lastDay === subject.period.lastDay) {
      // The same subject: its choices, and any still loading for it, stay.
      return;
    }
    this.agents = null;
    this.tagNames = null;
    this.agentChoices.offer([]);
    this.tags.offer([]);
    this.subject = { shopId: subject.shopId, period: subject.period, timeZone: subject.timeZone };
  }

  private applyForm(): void {
    const subject = this.subject;
    if (subject === null) {
      return;
    }
    const criteria: ChatCriteria = {
      ...this.extra?.criteria,
      chatTypes: this.types.selected(),
      statuses: this.statuses.selected(),
      tags: this.tags.selected(),
      agentIds: this.agentChoices.selected(),
      customerId: this.customer.value.trim() || undefined,
    };
    const parts = [
      ...(this.extra ? [this.extra.label] : []),
      ...([["Type", this.types], ["Status", this.statuses], ["Tag", this.tags], ["Agent", this.agentChoices]] as const)
        .map(([name, choices]) => [name, choices.selectedLabels()] as const)
        .filter(([, labels]) => labels.length > 0)
        .map(([name, labels]) => `${name}: ${labels.join(" or ")}`),
      ...(criteria.customerId ? [`Customer: ${criteria.customerId}`] : []),
    ];
    this.list({ ...subject, criteria, label: parts.length === 0 ? "All chats" : parts.join(" · ") });
  }

  private resetForm(): void {
    this.extra = null;
    for (const choices of [this.types, this.statuses, this.tags, this.agentChoices]) {
      choices.select([]);
      choices.element.open = false;
    }
    this.customer.value = "";
  }

  private clearList(): void {
    this.generation++;
    this.pages.cancel();
    this.filter = null;
    this.nextToken = "";
    this.loaded = 0;
    this.rows.clear();
    this.title.textContent = "";
    this.summary.replaceChildren();
    this.transferNote.hidden = true;
    this.table.replaceChildren();
    this.more.hidden = true;
    this.exportButton.disabled = true;
    this.exportStatus.replaceChildren();
    this.section.removeAttribute("aria-busy");
    this.status.replaceChildren(h("span", { class: "hint" }, "Choose filters and press List chats, or follow a count elsewhere in the report."));
  }

  private list(filter: ChatFilter): void {
    this.clearList();
    this.filter = filter;
    this.title.textContent = `— ${filter.label}`;
    this.exportButton.disabled = this.exporting;
    this.table.replaceChildren(
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Chat"), ...columns.map(([name]) => h("th", { scope: "col" }, name)), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
      h("tbody"),
    );
    void this.loadPage();
  }

  private loadPage(): Promise<void> {
    const filter = this.filter;
    const credential = this.credential();
    if (filter === null || credential === null) {
      return Promise.resolve();
    }
    this.more.hidden = true;
    const transfers = this.transferAllowed;
    return this.pages.load(
      () => listChats(credential, filter.shopId, filter.period, filter.criteria, Number(this.pageSize.value), this.nextToken),
      (page) => this.showPage(page, filter, transfers),
    );
  }

  private showPage(page: ChatPage, filter: ChatFilter, transfers: boolean): void {
    for (const row of page.chats ?? []) {
      this.rows.set(row.chatId, row);
    }
    this.table.tBodies[0].append(...(page.chats ?? []).map((row) => this.renderRow(row, filter.timeZone, transfers)));
    this.loaded += (page.chats ?? []).length;
    this.nextToken = page.nextPageToken ?? "";
    const total = page.total ?? 0;
    // An inquiry or transfer drill-down counts inquiries or transfers, not chats: the RPC's count of those is shown too.
    const matching = (id: string, value: number | undefined, what: string, criteria: string[]) =>
      criteria.length > 0 ? [` holding `, h("span", { id, "data-value": String(value ?? 0) }, formatValue(value ?? 0, "count")), ` matching ${what}`] : [];
    this.summary.replaceChildren(
      h("span", { id: "chats-total", "data-value": String(total) }, formatValue(total, "count")),
      " chats",
      ...matching("chats-matching-inquiries", page.matchingInquiries, "inquiries", [...(filter.criteria.inquiryOutcomes ?? []), ...(filter.criteria.inquiryAgentIds ?? [])]),
      ...matching("chats-matching-transfers", page.matchingTransfers, "transfers", [...(filter.criteria.transferDirections ?? []), ...(filter.criteria.transferAgentIds ?? [])]),
      `, ${filter.period.firstDay} – ${filter.period.lastDay}; showing ${formatValue(this.loaded, "count")}.`,
    );
    this.transferNote.hidden = transfers;
    this.status.replaceChildren(total === 0 ? "No chats match these filters in the period." : "");
    this.more.hidden = this.nextToken === "";
  }

  private renderRow(row: ChatRow, timeZone: string, transfers: boolean): HTMLElement {
    const open = h("button", { type: "button", class: "link", "data-action": "timeline", "aria-label": `Timeline of chat ${row.chatId}` }, row.chatId);
    open.addEventListener("click", () => this.openTimeline(row.chatId));
    const actions = h("td", {});
    if (transfers && transferable(row)) {
      const transfer = h("button", { type: "button", class: "secondary", "data-action": "transfer", "aria-label": `Transfer chat ${row.chatId}` }, "Transfer…");
      transfer.addEventListener("click", () => this.openTransfer(row.chatId));
      actions.append(transfer);
    }
    return h("tr", { "data-chat-id": row.chatId }, h("td", {}, open), ...columns.map(([, cell]) => h("td", {}, cell(row, timeZone))), actions);
  }

  private openTimeline(chatId: string): void {
    const filter = this.filter;
    const credential = this.credential();
    if (filter !== null && credential !== null) {
      this.timeline.open(credential, filter.shopId, chatId, filter.timeZone);
    }
  }

  private openTransfer(chatId: string): void {
    const filter = this.filter;
    const credential = this.credential();
    const row = this.rows.get(chatId);
    if (filter === null || credential === null || row === undefined) {
      return;
    }
    this.transfer.open(credential, filter.shopId, filter.timeZone, row, this.loadAgents(), (moved) => {
      // The row shows the RPC's answer (the agent the chat went to) until the list is asked for again.
      const updated = { ...row, currentAgentId: moved.toAgentId };
      this.rows.set(chatId, updated);
      this.table.querySelector(`tr[data-chat-id="${CSS.escape(chatId)}"]`)?.replaceWith(this.renderRow(updated, filter.timeZone, true));
    });
  }

  /** The agents of the period's chats (GetAgentDetails, the only RPC that lists a shop's agents), once per subject. */
  private loadAgents(): Promise<Agent[]> {
    const subject = this.subject;
    const credential = this.credential();
    if (subject === null || credential === null) {
      return Promise.resolve([]);
    }
    // A field may be absent (proto3 JSON may leave defaults out): the unassigned entry's agentId, a missing displayName.
    this.agents ??= getAgentDetails(credential, subject.shopId, subject.period).then((answer) =>
      (answer.agents ?? [])
        .filter((agent) => agent.agentId)
        .map((agent) => ({ agentId: agent.agentId, displayName: agent.displayName ?? "" })),
    );
    this.agents.catch(() => (this.agents = null));
    return this.agents;
  }

  private async offerAgents(): Promise<void> {
    await this.offer(this.agentChoices, "agents", async () =>
      (await this.loadAgents()).map((agent): Choice => [agent.agentId, agent.displayName ? `${agent.displayName} (${agent.agentId})` : agent.agentId]),
    );
  }

  private async offerTags(): Promise<void> {
    const subject = this.subject;
    const credential = this.credential();
    if (subject === null || credential === null) {
      return;
    }
    this.tagNames ??= getTagBreakdown(credential, subject.shopId, subject.period).then((answer) => (answer.tags ?? []).map((tag) => tag.tag));
    this.tagNames.catch(() => (this.tagNames = null));
    const names = this.tagNames;
    await this.offer(this.tags, "tags", async () => (await names).map((tag): Choice => [tag, tag]));
  }

  private async offer(choices: Choices, what: string, load: () => Promise<Choice[]>): Promise<void> {
    const subject = this.subject;
    try {
      const offered = await load();
      if (subject === this.subject) {
        choices.offer(offered);
      }
    } catch (error) {
      const failure = ApiError.from(error);
      if (subject === this.subject && !this.onAuthFailure(failure)) {
        choices.element.querySelector(".choices")?.replaceChildren(h("span", { class: "error", role: "alert" }, `Could not load the ${what}: ${failure.reason}`));
      }
    }
  }

  private async export(): Promise<void> {
    const filter = this.filter;
    const credential = this.credential();
    if (filter === null || credential === null) {
      return;
    }
    // One export at a time; its outcome is shown only while the list it exported is still the one shown.
    const generation = this.generation;
    this.exporting = true;
    this.exportButton.disabled = true;
    this.exportStatus.replaceChildren(h("span", { class: "loading" }, "Preparing the CSV…"));
    try {
      const name = await exportChats(credential, filter.shopId, filter.period, filter.criteria);
      if (generation === this.generation) {
        this.exportStatus.replaceChildren(h("span", { id: "chats-exported" }, `Saved ${name}.`));
      }
    } catch (error) {
      const failure = ApiError.from(error);
      if (generation === this.generation) {
        this.exportStatus.replaceChildren();
        if (!this.onAuthFailure(failure)) {
          this.exportStatus.replaceChildren(h("span", { class: "error", role: "alert" }, `Could not export the chats: ${failure.reason}`));
        }
      }
    } finally {
      this.exporting = false;
      this.exportButton.disabled = this.filter === null;
    }
  }
}
