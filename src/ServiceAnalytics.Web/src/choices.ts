// A multi-select for one repeated ListChats filter: a disclosure (<details>) holding a checkbox per value, its
// summary saying what is chosen. Checkboxes rather than <select multiple>: no Ctrl-click, the same on a phone, and
// every value reachable with Tab and Space.

import { h } from "./dom";

export type Choice = [value: string, label: string];

export class Choices {
  private readonly summary: HTMLElement;
  private readonly list: HTMLElement;
  private readonly labels = new Map<string, string>();

  constructor(
    readonly element: HTMLDetailsElement,
    private readonly name: string,
    private readonly emptyText = "",
  ) {
    this.summary = element.querySelector("summary") ?? element.appendChild(h("summary"));
    this.list = element.querySelector(".choices") ?? element.appendChild(h("div", { class: "choices" }));
    this.list.addEventListener("change", () => this.describe());
    this.describe();
  }

  /** Replaces the values offered, keeping those chosen (a chosen value the new list lacks stays offered). */
  offer(choices: Choice[]): void {
    const chosen = this.selected();
    this.labels.clear();
    for (const [value, label] of choices) {
      this.labels.set(value, label);
    }
    for (const value of chosen) {
      if (!this.labels.has(value)) {
        this.labels.set(value, value);
      }
    }
    this.render(chosen);
  }

  /** Chooses exactly these values, offering any that were not offered yet (a drill-down's agent before the list loads). */
  select(values: string[]): void {
    for (const value of values) {
      if (!this.labels.has(value)) {
        this.labels.set(value, value);
      }
    }
    this.render(values);
  }

  selected(): string[] {
    return [...this.list.querySelectorAll<HTMLInputElement>("input:checked")].map((input) => input.value);
  }

  /** The chosen values' labels, for the list's caption. */
  selectedLabels(): string[] {
    return this.selected().map((value) => this.labels.get(value) ?? value);
  }

  private render(chosen: string[]): void {
    const items = [...this.labels].map(([value, label]) => {
      const input = h("input", { type: "checkbox", name: this.name, value }) as HTMLInputElement;
      input.checked = chosen.includes(value);
      return h("label", {}, input, label);
    });
    this.list.replaceChildren(...(items.length > 0 ? items : [h("span", { class: "hint" }, this.emptyText)]));
    this.describe();
  }

  private describe(): void {
    const chosen = this.selectedLabels();
    this.summary.textContent = `${this.element.dataset.title ?? this.name}: ${chosen.length === 0 ? "any" : chosen.length <= 2 ? chosen.join(", ") : `${chosen.length} chosen`}`;
  }
}
