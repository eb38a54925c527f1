// Hints from the guide's use cases: GetOverview's and GetStatusBreakdown's figures held against fixed thresholds
// (docs/page.md, "Hints"). Each hint states the figures it rests on, as the RPCs returned them; the page derives no
// figure of its own, it only compares.

import type { Overview, StatusBreakdown } from "./api";
import { byId, h } from "./dom";
import { formatValue, type Unit } from "./format";
import "./sections.css";

/** Below this many chats received, a share says little: no hint. */
const minimumChats = 10;
/** "Few ratings": under this share of chats received rated… */
const fewRatedShare = 0.1;
/** …while at least this share of chats received never got a human reply. */
const manyNonResponded = 0.1;
/** "Assistant-solved low or zero": under this share of chats received. */
const lowAssistantSolved = 0.05;
/** "Low conversion": a conversion rate under this, with chats answered late or not at all. */
const lowConversion = 0.05;
/** "Falling": a rate at least this many percentage points below the previous period's. */
const fallingBy = 0.05;

interface Hint {
  id: string;
  title: string;
  /** The figures, in words. */
  body: (Node | string)[];
  advice: string;
}

/** A figure as the RPC returned it, its raw value in data-value for the tests. */
function figure(name: string, value: number | undefined, unit: Unit): HTMLElement {
  return h("strong", { "data-figure": name, "data-value": value === undefined ? "" : String(value) }, formatValue(value, unit));
}

function hints(overview: Overview, breakdown: StatusBreakdown): Hint[] {
  const { current, previous } = overview;
  const received = current.chatsReceived ?? 0;
  const nonResponded = breakdown.nonResponded ?? 0;
  const late = breakdown.respondedLate ?? 0;
  const assistantSolved = breakdown.assistantSolved ?? 0;
  const found: Hint[] = [];

  if (current.ratedShare !== undefined && current.ratedShare < fewRatedShare && nonResponded > 0 && nonResponded >= manyNonResponded * received) {
    found.push({
      id: "few-ratings",
      title: "Few ratings, many chats never answered",
      body: ["Chats rated: ", figure("chatsRated", current.chatsRated ?? 0, "count"), " of ", figure("chatsReceived", received, "count"), " received (", figure("ratedShare", current.ratedShare, "rate"), "). Chats never answered by a human: ", figure("nonResponded", nonResponded, "count"), "."],
      advice: "Customers seldom rate a chat nobody answered: replying within 24 hours is the way to more ratings.",
    });
  }
  if (assistantSolved < lowAssistantSolved * received) {
    found.push({
      id: "assistant-low",
      title: assistantSolved === 0 ? "The assistant solved no chat" : "The assistant solves few chats",
      body: ["Chats solved by the assistant: ", figure("assistantSolved", assistantSolved, "count"), " of ", figure("chatsReceived", received, "count"), " received."],
      advice: "Automated answers (FAQ cards) could take routine questions off your agents; the Tags table shows which topics still need a human.",
    });
  }
  if (current.conversionRate !== undefined && current.conversionRate < lowConversion && late + nonResponded > 0) {
    found.push({
      id: "low-conversion",
      title: "Low conversion while inquiries wait",
      body: ["Conversion rate ", figure("conversionRate", current.conversionRate, "rate"), ". Chats answered after 24 hours: ", figure("respondedLate", late, "count"), "; never answered: ", figure("nonResponded", nonResponded, "count"), " (24-hour response rate ", figure("responseRate24h", current.responseRate24h, "rate"), ")."],
      advice: "Pre-purchase questions answered late or not at all lose sales: answer them first and clearly.",
    });
  }
  for (const [id, field, title] of [
    ["satisfaction-falling", "satisfactionRate", "Satisfaction (4–5★ of chats received) is falling"],
    ["response-rate-falling", "responseRate24h", "The 24-hour response rate is falling"],
  ] as const) {
    const [now, before] = [current[field], previous[field]];
    if (now !== undefined && before !== undefined && (previous.chatsReceived ?? 0) >= minimumChats && before - now >= fallingBy) {
      found.push({
        id,
        title,
        body: [figure(field, now, "rate"), " in this period against ", figure(`previous.${field}`, before, "rate"), ` in the previous one (${previous.firstDay} – ${previous.lastDay}).`],
        advice: id === "satisfaction-falling" ? "Read the low-rated chats (All Chats, rated 1–3) for what changed." : "Look at the SLA queue and at who is charged with non-responded inquiries (Agent details).",
      });
    }
  }
  return found;
}

export class HintsSection {
  private readonly section = byId<HTMLElement>("hints-section");
  private readonly list = h("ul", { id: "hints", class: "hints" });

  constructor() {
    this.section.append(this.list);
  }

  render(overview: Overview, breakdown: StatusBreakdown): void {
    this.section.hidden = false;
    const received = overview.current.chatsReceived ?? 0;
    const found = received >= minimumChats ? hints(overview, breakdown) : [];
    this.list.replaceChildren(
      ...(found.length === 0
        ? [
            h(
              "li",
              { id: "hints-none" },
              received >= minimumChats
                ? "Nothing stands out in this period's figures."
                : `Nothing stands out: with fewer than ${formatValue(minimumChats, "count")} chats received, the figures are too few to read into.`,
            ),
          ]
        : found.map((hint) => h("li", { "data-hint": hint.id }, h("h3", {}, hint.title), h("p", {}, ...hint.body), h("p", { class: "hint" }, hint.advice)))),
    );
  }

  hide(): void {
    this.section.hidden = true;
  }
}
