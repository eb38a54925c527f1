// Tags: GetTagBreakdown per tag, the guide's "Assistant vs. Agent Efficiency": chats solved by the assistant beside
// chats that needed a human, the 24-hour response rate and the conversion rate, each as the RPC returns it. Every
// count lists its chats in All Chats (the tag plus the filter of docs/metrics.md's drill-down table).

import { type ChatCriteria, getTagBreakdown, type TagDetails } from "./api";
import type { ChatList } from "./chats";
import { h } from "./dom";
import { formatValue } from "./format";
import type { AuthFailureHandler, ReportContext, ReportSection } from "./report";
import type { Column } from "./sortable";
import { TableSection } from "./tablesection";
import "./sections.css";

type CountField = "chats" | "assistantSolved" | "humanHandled" | "inquiries" | "answeredWithin24h" | "convertedChats";

interface Count {
  field: CountField;
  label: string;
  /** The list's title after the tag. */
  listed: string;
  /** Filters besides the tag. */
  criteria: ChatCriteria;
}

const countList: Count[] = [
  { field: "chats", label: "Chats", listed: "all chats", criteria: {} },
  { field: "assistantSolved", label: "Assistant-solved", listed: "solved by the assistant", criteria: { chatTypes: ["CHAT_TYPE_ASSISTANT_SOLVED"] } },
  {
    field: "humanHandled",
    label: "Human-handled",
    listed: "chats that needed a human",
    criteria: { chatTypes: ["CHAT_TYPE_RESPONDED_24H", "CHAT_TYPE_RESPONDED_LATE", "CHAT_TYPE_NON_RESPONDED", "CHAT_TYPE_PENDING"] },
  },
  {
    field: "inquiries",
    label: "Inquiries",
    listed: "chats with inquiries counted by the response rate",
    criteria: { inquiryOutcomes: ["INQUIRY_OUTCOME_ANSWERED", "INQUIRY_OUTCOME_NON_RESPONDED"] },
  },
  { field: "answeredWithin24h", label: "Answered ≤ 24 h", listed: "chats with inquiries answered within 24 h", criteria: { inquiryOutcomes: ["INQUIRY_OUTCOME_ANSWERED_24H"] } },
  { field: "convertedChats", label: "Converted", listed: "converted chats", criteria: { chatTypes: ["CHAT_TYPE_CONVERTED"] } },
];
const counts = new Map(countList.map((count) => [count.field, count]));

export class TagsSection implements ReportSection {
  private readonly table: TableSection<TagDetails>;

  constructor(
    private readonly chatList: ChatList,
    onAuthFailure: AuthFailureHandler,
  ) {
    this.table = new TableSection(
      {
        id: "tags",
        what: "the tags",
        hint: h(
          "p",
          { class: "hint" },
          "Per topic tag: chats the assistant solved (",
          h("span", { class: "legend assistant", "aria-hidden": "true" }),
          ") beside chats that needed a human (",
          h("span", { class: "legend human", "aria-hidden": "true" }),
          "), and how the human-handled ones went. Each count lists its chats.",
        ),
        columns: this.columns(),
        rowAttributes: (tag) => ({ "data-tag": tag.tag }),
        rows: async (context) => (await getTagBreakdown(context.credential, context.shopId, context.period)).tags ?? [],
        empty: "No chat of this period carries a tag.",
      },
      onAuthFailure,
    );
  }

  show(context: ReportContext): void {
    this.table.show(context);
  }

  hide(): void {
    this.table.hide();
  }

  private columns(): Column<TagDetails>[] {
    const count = (field: CountField): Column<TagDetails> => ({
      field,
      label: counts.get(field)!.label,
      value: (tag) => tag[field] ?? 0,
      cell: (tag) => this.countCell(tag, counts.get(field)!),
    });
    const rate = (field: "responseRate24h" | "conversionRate", label: string): Column<TagDetails> => ({
      field,
      label,
      value: (tag) => tag[field],
      cell: (tag) => formatValue(tag[field], "rate"),
    });
    return [
      { field: "tag", label: "Tag", value: (tag) => tag.tag, cell: (tag) => tag.tag },
      count("chats"),
      count("assistantSolved"),
      count("humanHandled"),
      { field: "split", label: "Assistant vs. human", value: () => undefined, cell: split, sortable: false },
      count("inquiries"),
      count("answeredWithin24h"),
      rate("responseRate24h", "24 h response rate"),
      count("convertedChats"),
      rate("conversionRate", "Conversion rate"),
    ];
  }

  private countCell(tag: TagDetails, count: Count): Node {
    const value = tag[count.field] ?? 0;
    const text = formatValue(value, "count");
    const context = this.table.context;
    const link = h("a", { href: "#all-chats", "data-drill": count.field, "data-value": String(value) }, text);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      if (context !== null) {
        this.chatList.open({
          shopId: context.shopId,
          period: context.period,
          timeZone: context.timeZone,
          criteria: { tags: [tag.tag], ...count.criteria },
          label: `tag “${tag.tag}”: ${count.listed} (${count.label.toLowerCase()}: ${text})`,
        });
      }
    });
    return link;
  }
}

/**
 * The two counts side by side as bar widths (flex-grow is each count itself, so the browser does the proportion and
 * the page states no share of its own); the text says the counts for a screen reader.
 */
function split(tag: TagDetails): Node {
  const assistant = tag.assistantSolved ?? 0;
  const human = tag.humanHandled ?? 0;
  return h(
    "span",
    { class: "split", role: "img", "aria-label": `${formatValue(assistant, "count")} assistant-solved, ${formatValue(human, "count")} human-handled` },
    h("span", { class: "assistant", style: `flex-grow: ${assistant}` }),
    h("span", { class: "human", style: `flex-grow: ${human}` }),
  );
}
