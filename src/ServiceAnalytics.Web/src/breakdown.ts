// Chat details: GetStatusBreakdown's counts, each a link to All Chats filtered to exactly those chats (the
// ListChats chat type of the same name; docs/metrics.md, "All Chats").

import type { StatusBreakdown } from "./api";
import { h } from "./dom";
import { formatValue } from "./format";

export interface ChatCategory {
  /** GetStatusBreakdownResponse's JSON field. */
  field: keyof Omit<StatusBreakdown, "asOf">;
  /** The ListChats chat_types value listing exactly those chats. */
  chatType: string;
  label: string;
}

export const categories: ChatCategory[] = [
  { field: "responded24h", chatType: "CHAT_TYPE_RESPONDED_24H", label: "Responded by a human within 24 h" },
  { field: "assistantSolved", chatType: "CHAT_TYPE_ASSISTANT_SOLVED", label: "Solved by the assistant" },
  { field: "respondedLate", chatType: "CHAT_TYPE_RESPONDED_LATE", label: "Responded late (after 24 h)" },
  { field: "nonResponded", chatType: "CHAT_TYPE_NON_RESPONDED", label: "Not responded" },
  { field: "pending", chatType: "CHAT_TYPE_PENDING", label: "Pending (inside 24 h)" },
  { field: "noInquiry", chatType: "CHAT_TYPE_NO_INQUIRY", label: "No inquiry" },
];

export function renderBreakdown(container: HTMLElement, breakdown: StatusBreakdown, open: (category: ChatCategory) => void): void {
  container.replaceChildren(
    h(
      "ul",
      {},
      ...categories.map((category) => {
        const count = breakdown[category.field] ?? 0;
        const link = h("a", { href: "#all-chats", "data-chat-type": category.chatType, "data-value": String(count) }, formatValue(count, "count"));
        link.addEventListener("click", (event) => {
          event.preventDefault();
          open(category);
        });
        return h("li", { "data-metric": category.field }, h("span", {}, category.label), link);
      }),
    ),
  );
}
