// What every part of the report shares: the shop, period and zone it shows, and one way to load a section (busy
// state, a failed call with its reason and a Retry, a refused credential handed to the page, stale answers dropped).

import { ApiError, type Period } from "./api";
import type { Credential } from "./credential";
import { h } from "./dom";

/** The report's subject: set by the Show button, read by every section. */
export interface ReportContext {
  shopId: string;
  period: Period;
  /** The shop's IANA zone (GetOverview's time_zone): periods are its days, instants are shown in it. */
  timeZone: string;
  credential: Credential;
}

/** A part of the report below the overview that follows the report's subject. */
export interface ReportSection {
  show(context: ReportContext): void;
  hide(): void;
}

/** Returns true when it dealt with the failure (a 401 asks for a credential, a 403 says the shop is not visible). */
export type AuthFailureHandler = (error: ApiError) => boolean;

/**
 * Loads one section's data: marks the section busy, shows the service's reason and a Retry on failure, and drops the
 * answer of a load that a newer one (or hide) has replaced.
 */
export class SectionLoader {
  private generation = 0;

  constructor(
    private readonly section: HTMLElement,
    private readonly status: HTMLElement,
    private readonly what: string,
    private readonly onAuthFailure: AuthFailureHandler,
  ) {}

  async load<T>(call: () => Promise<T>, render: (answer: T) => void): Promise<void> {
    const generation = ++this.generation;
    this.section.setAttribute("aria-busy", "true");
    this.status.replaceChildren(h("span", { class: "loading" }, `Loading ${this.what}…`));
    let answer: T;
    try {
      answer = await call();
    } catch (error) {
      if (generation !== this.generation) {
        return;
      }
      this.section.removeAttribute("aria-busy");
      const failure = ApiError.from(error);
      if (!this.onAuthFailure(failure)) {
        const retry = h("button", { type: "button" }, "Retry");
        retry.addEventListener("click", () => void this.load(call, render));
        this.status.replaceChildren(h("span", { class: "error", role: "alert" }, `Could not load ${this.what}: ${failure.reason} `), retry);
      }
      return;
    }
    if (generation !== this.generation) {
      return;
    }
    this.status.replaceChildren();
    render(answer);
    this.section.removeAttribute("aria-busy");
  }

  /** Drops whatever is in flight. */
  cancel(): void {
    this.generation++;
    this.section.removeAttribute("aria-busy");
  }
}
