// A report section that is one sortable table of an RPC's rows (the agents' and the tags'): a hint, a status line that
// says when the period has no row, and the table, loaded through SectionLoader whenever the report's subject changes.

import { byId, h } from "./dom";
import { type AuthFailureHandler, type ReportContext, type ReportSection, SectionLoader } from "./report";
import { type Column, SortableTable } from "./sortable";

/** What tells one table section from another. */
export interface TableSectionParts<Row> {
  /** index.html's section is `${id}-section`; the status line gets `${id}-status` and the table `${id}`. */
  id: string;
  /** What is loading, for the status line: "agent details". */
  what: string;
  /** The explanation above the table. */
  hint: HTMLElement;
  columns: Column<Row>[];
  rowAttributes: (row: Row) => Record<string, string>;
  /** The RPC call giving the rows for a report subject. */
  rows: (context: ReportContext) => Promise<Row[]>;
  /** The status line when the period has no row. */
  empty: string;
}

export class TableSection<Row> implements ReportSection {
  private readonly section: HTMLElement;
  private readonly status: HTMLElement;
  private readonly wrapper: HTMLElement;
  private readonly loader: SectionLoader;
  private readonly sortable: SortableTable<Row>;
  private shown: ReportContext | null = null;

  constructor(
    private readonly parts: TableSectionParts<Row>,
    onAuthFailure: AuthFailureHandler,
  ) {
    this.section = byId<HTMLElement>(`${parts.id}-section`);
    this.status = h("p", { id: `${parts.id}-status`, "aria-live": "polite" });
    const table = h("table", { id: parts.id }) as HTMLTableElement;
    this.wrapper = h("div", { class: "table-scroll" }, table);
    this.section.append(parts.hint, this.status, this.wrapper);
    this.loader = new SectionLoader(this.section, this.status, parts.what, onAuthFailure);
    this.sortable = new SortableTable(table, parts.columns, parts.rowAttributes);
  }

  /** The subject the table shows, or null while the section is hidden: what a drill-down link opens All Chats for. */
  get context(): ReportContext | null {
    return this.shown;
  }

  show(context: ReportContext): void {
    this.shown = context;
    this.section.hidden = false;
    this.wrapper.hidden = true;
    void this.loader.load(
      () => this.parts.rows(context),
      (rows) => {
        this.wrapper.hidden = rows.length === 0;
        this.status.replaceChildren(rows.length === 0 ? this.parts.empty : "");
        this.sortable.show(rows);
      },
    );
  }

  hide(): void {
    this.loader.cancel();
    this.shown = null;
    this.section.hidden = true;
  }
}
