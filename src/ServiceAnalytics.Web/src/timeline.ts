// A chat's timeline (GetChat): every fact of the chat in the RPC's order (occurred_at, then event id), each at its
// time in the shop's zone. Assignments are facts of the timeline as the RPC returns them; the page derives nothing.

import { get, shopPath } from "./api";
import type { Credential } from "./credential";
import { byId, h } from "./dom";
import { formatInstant } from "./format";
import { type AuthFailureHandler, SectionLoader } from "./report";

/** ChatTimelineEntry in the proto3 JSON mapping: a field left at its default may be absent, so every one is optional here. */
interface TimelineEntry {
  eventId: string;
  occurredAt: string;
  kind: string;
  messageId?: string;
  senderRole?: string;
  messageKind?: string;
  agentId?: string;
  fromAgentId?: string;
  tags?: string[];
  resolvedBy?: string;
  stars?: number;
  expectsNoReply?: boolean;
}

interface ChatAnswer {
  chatId: string;
  timeline?: TimelineEntry[];
}

const words = (value: string | undefined) => (value ?? "").toLowerCase().replaceAll("_", " ");

/** One fact in words: what happened and who did it, from the entry's own fields. */
function describe(entry: TimelineEntry): string {
  switch (entry.kind) {
    case "chat_started":
      return `Chat started${entry.tags?.length ? ` · tags ${entry.tags.join(", ")}` : ""}`;
    case "message_sent": {
      const sender = entry.senderRole === "agent" && entry.agentId ? `Agent ${entry.agentId}` : `${words(entry.senderRole) || "unknown sender"}`;
      return `${sender.charAt(0).toUpperCase()}${sender.slice(1)}: ${words(entry.messageKind) || "message"}${entry.expectsNoReply ? " (expects no reply)" : ""}`;
    }
    case "assigned":
      return `Assigned to ${entry.agentId || "nobody"}${entry.fromAgentId ? ` (from ${entry.fromAgentId})` : ""}`;
    case "tagged":
      return `Tagged ${(entry.tags ?? []).join(", ")}`;
    case "resolved":
      return `Resolved${entry.resolvedBy ? ` by ${words(entry.resolvedBy)}` : ""}`;
    case "ended":
      return "Ended";
    case "rated":
      return `Rated ${entry.stars ?? 0}★`;
    default:
      return words(entry.kind);
  }
}

export class Timeline {
  private readonly dialog = byId<HTMLDialogElement>("timeline-dialog");
  private readonly title = byId<HTMLElement>("timeline-title");
  private readonly list = byId<HTMLOListElement>("timeline");
  private readonly loader: SectionLoader;

  constructor(onAuthFailure: AuthFailureHandler) {
    this.loader = new SectionLoader(this.dialog, byId("timeline-status"), "the timeline", (error) => {
      // A refused credential takes the whole page back to sign-in; the dialog would hide it.
      const handled = onAuthFailure(error);
      if (handled) {
        this.close();
      }
      return handled;
    });
    byId("timeline-close").addEventListener("click", () => this.close());
    this.dialog.addEventListener("close", () => this.loader.cancel());
  }

  open(credential: Credential, shopId: string, chatId: string, timeZone: string): void {
    this.title.textContent = `Chat ${chatId}`;
    this.list.replaceChildren();
    if (!this.dialog.open) {
      this.dialog.showModal();
    }
    void this.loader.load(
      () => get<ChatAnswer>(credential, `${shopPath(shopId)}/chats/${encodeURIComponent(chatId)}`, {}),
      (chat) => {
        const entries = chat.timeline ?? [];
        this.list.replaceChildren(
          ...entries.map((entry) =>
            h(
              "li",
              { "data-event-id": entry.eventId, "data-kind": entry.kind, class: `kind-${entry.kind}` },
              h("time", { datetime: entry.occurredAt }, formatInstant(entry.occurredAt, timeZone, true)),
              h("span", {}, describe(entry)),
            ),
          ),
        );
        if (entries.length === 0) {
          this.list.append(h("li", { class: "hint" }, "The service holds no facts of this chat."));
        }
      },
    );
  }

  close(): void {
    if (this.dialog.open) {
      this.dialog.close();
    }
  }
}
