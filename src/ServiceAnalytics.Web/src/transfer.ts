// Transfer of an active, unresolved chat (TransferChat) to another agent, offered only when GetCaller says the
// credential holds the transfer scope. The service decides every transfer; a refusal shows its reason.

import { ApiError, type ChatRow, post, shopPath } from "./api";
import type { Credential } from "./credential";
import { byId, h } from "./dom";
import { formatInstant } from "./format";
import type { AuthFailureHandler } from "./report";

export interface Agent {
  agentId: string;
  displayName: string;
}

/** TransferChatResponse in the proto3 JSON mapping (from_agent_id left out when the chat was unassigned). */
export interface Transferred {
  fromAgentId?: string;
  toAgentId: string;
  transferredAt: string;
}

/**
 * One id per dialog: pressing Confirm again after a failed or lost answer repeats the same request, which the
 * service records once (TransferChat is idempotent by request_id). getRandomValues, not randomUUID: the page may be
 * served over plain HTTP on a LAN address, where randomUUID does not exist.
 */
function newRequestId(): string {
  return `page-${[...crypto.getRandomValues(new Uint8Array(16))].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

const agentName = (agents: Agent[], id: string | undefined) => {
  if (!id) {
    return "nobody";
  }
  const name = agents.find((agent) => agent.agentId === id)?.displayName;
  return name ? `${name} (${id})` : id;
};

export class TransferDialog {
  private readonly dialog = byId<HTMLDialogElement>("transfer-dialog");
  private readonly form = byId<HTMLFormElement>("transfer-form");
  private readonly title = byId<HTMLElement>("transfer-title");
  private readonly current = byId<HTMLElement>("transfer-current");
  private readonly agentSelect = byId<HTMLSelectElement>("transfer-agent");
  private readonly confirmText = byId<HTMLElement>("transfer-confirm-text");
  private readonly result = byId<HTMLElement>("transfer-result");
  private readonly confirm = byId<HTMLButtonElement>("transfer-confirm");
  private readonly cancel = byId<HTMLButtonElement>("transfer-cancel");
  /** Increases with every opening, so an answer for an earlier chat is dropped. */
  private generation = 0;
  private submit: (() => Promise<void>) | null = null;

  constructor(private readonly onAuthFailure: AuthFailureHandler) {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.submit?.();
    });
    this.cancel.addEventListener("click", () => this.close());
    this.dialog.addEventListener("close", () => this.generation++);
  }

  open(credential: Credential, shopId: string, timeZone: string, row: ChatRow, agents: Promise<Agent[]>, done: (moved: Transferred) => void): void {
    const generation = ++this.generation;
    const requestId = newRequestId();
    let known: Agent[] = [];
    this.title.textContent = `Transfer chat ${row.chatId}`;
    this.current.textContent = `Now with ${row.currentAgentId || "nobody (unassigned)"}.`;
    this.agentSelect.replaceChildren(h("option", { value: "" }, "Loading agents…"));
    this.agentSelect.disabled = true;
    this.confirm.disabled = true;
    this.confirm.hidden = false;
    this.cancel.textContent = "Cancel";
    this.confirmText.replaceChildren();
    this.result.replaceChildren();
    const describe = () => {
      const to = this.agentSelect.value;
      this.confirm.disabled = to === "";
      this.confirmText.textContent = to === "" ? "" : `Move chat ${row.chatId} from ${agentName(known, row.currentAgentId)} to ${agentName(known, to)}?`;
    };
    this.agentSelect.onchange = describe;
    this.submit = async () => {
      const to = this.agentSelect.value;
      if (to === "") {
        return;
      }
      this.confirm.disabled = true;
      this.result.replaceChildren(h("span", { class: "loading" }, "Transferring…"));
      let moved: Transferred;
      try {
        moved = await post<Transferred>(credential, `${shopPath(shopId)}/chats/${encodeURIComponent(row.chatId)}:transfer`, { toAgentId: to, requestId });
      } catch (error) {
        if (generation !== this.generation) {
          return;
        }
        const failure = ApiError.from(error);
        if (this.closedForCredential(failure)) {
          return;
        }
        this.result.replaceChildren(h("p", { class: "error", role: "alert", id: "transfer-error" }, `The service refused the transfer: ${failure.reason}`));
        this.confirm.disabled = false;
        return;
      }
      if (generation !== this.generation) {
        return;
      }
      this.result.replaceChildren(
        h(
          "p",
          { class: "notice", id: "transfer-done", "data-to-agent-id": moved.toAgentId },
          `Transferred from ${agentName(known, moved.fromAgentId)} to ${agentName(known, moved.toAgentId)} at `,
          h("time", { datetime: moved.transferredAt }, formatInstant(moved.transferredAt, timeZone, true)),
          ".",
        ),
      );
      this.confirmText.replaceChildren();
      this.confirm.hidden = true;
      this.agentSelect.disabled = true;
      this.cancel.textContent = "Close";
      done(moved);
    };
    if (!this.dialog.open) {
      this.dialog.showModal();
    }
    agents.then(
      (list) => {
        if (generation !== this.generation) {
          return;
        }
        known = list;
        this.current.textContent = `Now with ${row.currentAgentId ? agentName(list, row.currentAgentId) : "nobody (unassigned)"}.`;
        const others = list.filter((agent) => agent.agentId !== row.currentAgentId);
        this.agentSelect.replaceChildren(
          h("option", { value: "" }, others.length === 0 ? "No other agent in this period" : "Choose an agent"),
          ...others.map((agent) => h("option", { value: agent.agentId }, agentName(list, agent.agentId))),
        );
        this.agentSelect.disabled = others.length === 0;
        this.agentSelect.focus();
        describe();
      },
      (error: unknown) => {
        if (generation !== this.generation) {
          return;
        }
        const failure = ApiError.from(error);
        if (this.closedForCredential(failure)) {
          return;
        }
        this.agentSelect.replaceChildren(h("option", { value: "" }, "No agents"));
        this.result.replaceChildren(h("p", { class: "error", role: "alert" }, `Could not load the agents: ${failure.reason}`));
      },
    );
  }

  close(): void {
    if (this.dialog.open) {
      this.dialog.close();
    }
  }

  /**
   * Closes the dialog when the failure is a refused credential the page dealt with. Only that leaves the dialog: a
   * 403 here is the missing transfer scope or a refused transfer, the service's to say in the dialog.
   */
  private closedForCredential(failure: ApiError): boolean {
    if (failure.httpStatus === 401 && this.onAuthFailure(failure)) {
      this.close();
      return true;
    }
    return false;
  }
}
