// SLA queue: GetSlaQueue's pending inquiries, least time left first, as the service orders them. It follows the shop,
// not the period (inquiries waiting now), reloads itself every 30 s while the report shows, and counts each inquiry's
// seconds_left down between reloads.

import { getSlaQueue, type PendingInquiry, type SlaQueue } from "./api";
import { byId, h } from "./dom";
import { formatClock, formatDuration, formatInstant, formatValue, missing } from "./format";
import { type AuthFailureHandler, type ReportContext, type ReportSection, SectionLoader } from "./report";
import "./sections.css";

/** The service's default and the page's: the most urgent hundred are what a person can act on. */
const limit = 100;
const defaultRefreshSeconds = 30;
/** Under an hour left, a row is marked urgent. */
const urgentSeconds = 3600;
/** The queue's columns, with the class a column's cells share (sections.css styles and narrows the table by it). */
const columns: [name: string, className: string][] = [["Time left", "left"], ["Chat", "chat"], ["Customer", "customer"], ["Asked", "asked"], ["Agent", "agent"]];

export class SlaSection implements ReportSection {
  private readonly section = byId<HTMLElement>("sla-section");
  private readonly status = h("p", { id: "sla-status", "aria-live": "polite" });
  private readonly refreshed = h("span", { id: "sla-refreshed" });
  private readonly table = h("table", { id: "sla" }) as HTMLTableElement;
  private readonly wrapper = h("div", { class: "table-scroll" }, this.table);
  private readonly loader: SectionLoader;
  private context: ReportContext | null = null;
  private refreshTimer = 0;
  private countdownTimer = 0;
  /** Each shown row's countdown: the instant (browser clock) its 24 hours end, from seconds_left at the answer. */
  private deadlines: { cell: HTMLElement; row: HTMLElement; endsAt: number }[] = [];

  constructor(onAuthFailure: AuthFailureHandler) {
    const refreshNow = h("button", { type: "button", id: "sla-refresh" }, "Refresh now");
    refreshNow.addEventListener("click", () => this.context && void this.refresh(this.context));
    this.section.append(
      h(
        "p",
        { class: "hint" },
        `Inquiries waiting for a human reply now (chats received in the last 30 days, whatever the period), least time left before their 24 hours end first. Reloads every ${defaultRefreshSeconds} s.`,
      ),
      h("p", { class: "sla-bar" }, this.refreshed, refreshNow),
      this.status,
      this.wrapper,
    );
    this.loader = new SectionLoader(this.section, this.status, "the SLA queue", onAuthFailure);
  }

  show(context: ReportContext): void {
    this.stopTimers();
    this.context = context;
    this.section.hidden = false;
    this.wrapper.hidden = true;
    this.refreshed.replaceChildren();
    void this.refresh(context);
  }

  hide(): void {
    this.stopTimers();
    this.loader.cancel();
    this.context = null;
    this.section.hidden = true;
  }

  private async refresh(context: ReportContext): Promise<void> {
    window.clearTimeout(this.refreshTimer);
    await this.loader.load(
      () => getSlaQueue(context.credential, context.shopId, limit),
      (answer) => this.render(answer, context.timeZone),
    );
    // A failed reload keeps the last queue and tries again at the next tick; hide or a newer show stops the chain.
    if (this.context === context) {
      // One chain only: a "Refresh now" during a reload must not leave a second timer behind.
      window.clearTimeout(this.refreshTimer);
      this.refreshTimer = window.setTimeout(() => void this.refresh(context), this.refreshSeconds() * 1000);
    }
  }

  /** Tests shorten the interval with data-refresh-seconds on the section rather than wait 30 s. */
  private refreshSeconds(): number {
    const configured = Number(this.section.dataset.refreshSeconds);
    return configured > 0 ? configured : defaultRefreshSeconds;
  }

  private render(answer: SlaQueue, timeZone: string): void {
    const answeredAt = Date.now();
    const inquiries = answer.inquiries ?? [];
    this.refreshed.replaceChildren(
      "Last refreshed ",
      h("time", { datetime: new Date(answeredAt).toISOString() }, formatClock(new Date(answeredAt), timeZone)),
      ` (${timeZone}). `,
    );
    this.status.replaceChildren(
      inquiries.length === 0
        ? "No inquiry is waiting for a reply."
        : inquiries.length === limit
          ? `The ${formatValue(limit, "count")} most urgent inquiries.`
          : "",
    );
    this.wrapper.hidden = inquiries.length === 0;
    this.deadlines = [];
    const rows = inquiries.map((inquiry) => this.row(inquiry, answeredAt, timeZone));
    this.table.replaceChildren(
      h("thead", {}, h("tr", {}, ...columns.map(([name, className]) => h("th", { scope: "col", class: className }, name)))),
      h("tbody", {}, ...rows),
    );
    this.tick();
    window.clearInterval(this.countdownTimer);
    this.countdownTimer = inquiries.length === 0 ? 0 : window.setInterval(() => this.tick(), 1000);
  }

  private row(inquiry: PendingInquiry, answeredAt: number, timeZone: string): HTMLElement {
    const secondsLeft = inquiry.secondsLeft ?? 0;
    const cell = h("td", { "data-field": "secondsLeft", "data-value": String(secondsLeft), class: "left" });
    const row = h(
      "tr",
      { "data-chat-id": inquiry.chatId },
      cell,
      h("td", { class: "chat" }, inquiry.chatId),
      h("td", { class: "customer" }, inquiry.customerId || missing),
      h("td", { class: "asked" }, h("time", { datetime: inquiry.askedAt }, formatInstant(inquiry.askedAt, timeZone))),
      h("td", { class: "agent" }, inquiry.currentAgentId || "unassigned"),
    );
    this.deadlines.push({ cell, row, endsAt: answeredAt + secondsLeft * 1000 });
    return row;
  }

  /** Counts each row down from the service's seconds_left; the next reload drops what has run out. */
  private tick(): void {
    const now = Date.now();
    for (const { cell, row, endsAt } of this.deadlines) {
      const left = Math.max(0, Math.floor((endsAt - now) / 1000));
      cell.textContent = left === 0 ? "time is up" : formatDuration(left);
      row.classList.toggle("urgent", left < urgentSeconds);
    }
  }

  private stopTimers(): void {
    window.clearTimeout(this.refreshTimer);
    window.clearInterval(this.countdownTimer);
    this.refreshTimer = 0;
    this.countdownTimer = 0;
  }
}
