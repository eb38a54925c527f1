// Agent details: every figure of GetAgentDetails per agent, in a sortable table. Each count is a link to All Chats
// with the ListChats filter that lists exactly the chats behind it (docs/metrics.md, "All Chats", the drill-down
// table; docs/page.md, "Agent details").

import { type AgentDetails, type ChatCriteria, getAgentDetails } from "./api";
import type { ChatList } from "./chats";
import { h } from "./dom";
import { formatValue, type Unit } from "./format";
import type { AuthFailureHandler, ReportContext, ReportSection } from "./report";
import type { Column } from "./sortable";
import { TableSection } from "./tablesection";
import "./sections.css";

type CountField = "chatsHandled" | "inquiriesAnswered" | "answeredWithin24h" | "answeredLate" | "nonResponded" | "chatsRated" | "chatsRated4Or5" | "transfersIn" | "transfersOut";

interface Count {
  field: CountField;
  label: string;
  /** What the list holds, for its title: "chats handled", "chats with inquiries answered late". */
  listed: string;
  /** What the count counts: an inquiry or transfer count lists the chats holding them, which may be fewer. */
  noun: "chats" | "inquiries" | "transfers";
  /** The ListChats filter listing exactly these chats for an agent id ("" is "unassigned"). */
  criteria: (agentId: string) => ChatCriteria;
  /**
   * Whether the count can be non-zero for "unassigned": chats handled, ratings of them and transfers need an agent
   * (their filters with an empty id match no chat), so that row shows them as plain zeros.
   */
  unassigned: boolean;
}

const inquiries = (outcome: string, listed: string, field: CountField, label: string): Count => ({
  field,
  label,
  listed,
  noun: "inquiries",
  criteria: (agentId) => ({ inquiryAgentIds: [agentId], inquiryOutcomes: [outcome] }),
  unassigned: true,
});

const counts: Count[] = [
  { field: "chatsHandled", label: "Chats handled", listed: "chats handled", noun: "chats", criteria: (id) => ({ handledByAgentIds: [id] }), unassigned: false },
  inquiries("INQUIRY_OUTCOME_ANSWERED", "chats with inquiries answered", "inquiriesAnswered", "Inquiries answered"),
  inquiries("INQUIRY_OUTCOME_ANSWERED_24H", "chats with inquiries answered within 24 h", "answeredWithin24h", "Within 24 h"),
  inquiries("INQUIRY_OUTCOME_ANSWERED_LATE", "chats with inquiries answered late", "answeredLate", "Late"),
  inquiries("INQUIRY_OUTCOME_NON_RESPONDED", "chats with inquiries never answered", "nonResponded", "Non-responded"),
  { field: "chatsRated", label: "Rated", listed: "chats handled and rated", noun: "chats", criteria: (id) => ({ handledByAgentIds: [id], ratings: [1, 2, 3, 4, 5] }), unassigned: false },
  {
    field: "chatsRated4Or5",
    label: "Rated 4–5★",
    listed: "chats handled and rated 4–5★",
    noun: "chats",
    criteria: (id) => ({ handledByAgentIds: [id], chatTypes: ["CHAT_TYPE_RATED_4_OR_5"] }),
    unassigned: false,
  },
  {
    field: "transfersIn",
    label: "Transfers in",
    listed: "chats transferred to them",
    noun: "transfers",
    criteria: (id) => ({ transferAgentIds: [id], transferDirections: ["TRANSFER_DIRECTION_IN"] }),
    unassigned: false,
  },
  {
    field: "transfersOut",
    label: "Transfers out",
    listed: "chats transferred away from them",
    noun: "transfers",
    criteria: (id) => ({ transferAgentIds: [id], transferDirections: ["TRANSFER_DIRECTION_OUT"] }),
    unassigned: false,
  },
];

const countsByField = new Map(counts.map((count) => [count.field, count]));

const agentName = (agent: AgentDetails) => (agent.agentId === "" ? "Unassigned" : agent.displayName || agent.agentId);

export class AgentsSection implements ReportSection {
  private readonly table: TableSection<AgentDetails>;

  constructor(
    private readonly chatList: ChatList,
    onAuthFailure: AuthFailureHandler,
  ) {
    this.table = new TableSection(
      {
        id: "agents",
        what: "agent details",
        hint: h("p", { class: "hint" }, "Each count lists its chats in All Chats. Inquiry counts list the chats holding those inquiries. Column headers sort the table."),
        columns: this.columns(),
        rowAttributes: (agent) => ({ "data-agent-id": agent.agentId }),
        rows: async (context) => (await getAgentDetails(context.credential, context.shopId, context.period)).agents ?? [],
        empty: "No agent handled or was charged with an inquiry in this period.",
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

  private columns(): Column<AgentDetails>[] {
    const figure = (field: keyof AgentDetails, label: string, unit: Unit): Column<AgentDetails> => ({
      field,
      label,
      value: (agent) => agent[field] as number | undefined,
      cell: (agent) => formatValue(agent[field] as number | undefined, unit),
    });
    const count = (field: CountField): Column<AgentDetails> => ({
      field,
      label: countsByField.get(field)!.label,
      value: (agent) => agent[field] ?? 0,
      cell: (agent) => this.countCell(agent, countsByField.get(field)!),
    });
    return [
      { field: "agent", label: "Agent", value: agentName, cell: (agent) => (agent.agentId === "" ? h("em", {}, "Unassigned") : agentName(agent)) },
      count("chatsHandled"),
      count("inquiriesAnswered"),
      count("answeredWithin24h"),
      count("answeredLate"),
      count("nonResponded"),
      figure("responseRate24h", "24 h response rate", "rate"),
      figure("responseMeanSeconds", "Mean response", "duration"),
      figure("responseP90Seconds", "90th pct. response", "duration"),
      count("chatsRated"),
      count("chatsRated4Or5"),
      figure("satisfactionRate", "Satisfaction", "rate"),
      count("transfersIn"),
      count("transfersOut"),
    ];
  }

  private countCell(agent: AgentDetails, count: Count): Node | string {
    const value = agent[count.field] ?? 0;
    const text = formatValue(value, "count");
    const context = this.table.context;
    if (context === null || (agent.agentId === "" && !count.unassigned)) {
      return text;
    }
    const link = h("a", { href: "#all-chats", "data-drill": count.field, "data-value": String(value) }, text);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      this.chatList.open({
        shopId: context.shopId,
        period: context.period,
        timeZone: context.timeZone,
        criteria: count.criteria(agent.agentId),
        label: `${agentName(agent)}: ${count.listed} (${count.noun}: ${text})`,
      });
    });
    return link;
  }
}
