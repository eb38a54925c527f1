// A table whose column headers sort it (the agents' and the tags' tables): each header is a button, so a click, Enter
// or Space sorts by it, and the sorted header says so with aria-sort. Rows keep the RPC's order until a header is used.

import { h } from "./dom";

export interface Column<Row> {
  /** The RPC's JSON field the column shows (data-field), read back by the tests. */
  field: string;
  label: string;
  /** The RPC's raw value: what the column sorts by and what data-value holds; undefined when the RPC left it unset. */
  value: (row: Row) => number | string | undefined;
  /** What the cell shows. */
  cell: (row: Row) => Node | string;
  /** False for a column that only illustrates others (a bar of two counts): it has no value of its own to sort by. */
  sortable?: boolean;
}

type Direction = "ascending" | "descending";

export class SortableTable<Row> {
  private rows: Row[] = [];
  private sortField: string | null = null;
  private direction: Direction = "descending";

  constructor(
    private readonly table: HTMLTableElement,
    private readonly columns: Column<Row>[],
    /** Attributes identifying a row (data-agent-id, data-tag). */
    private readonly rowAttributes: (row: Row) => Record<string, string>,
  ) {}

  show(rows: Row[]): void {
    this.rows = rows;
    this.render();
  }

  private sortBy(column: Column<Row>): void {
    if (this.sortField === column.field) {
      this.direction = this.direction === "ascending" ? "descending" : "ascending";
    } else {
      this.sortField = column.field;
      // Names read best A to Z; figures are looked at largest first.
      this.direction = typeof this.rows.map(column.value).find((value) => value !== undefined) === "string" ? "ascending" : "descending";
    }
    this.render();
    this.table.querySelector<HTMLButtonElement>(`th[data-field="${column.field}"] button`)?.focus();
  }

  private sorted(): Row[] {
    const column = this.columns.find((candidate) => candidate.field === this.sortField);
    if (column === undefined) {
      return this.rows;
    }
    const sign = this.direction === "ascending" ? 1 : -1;
    // An unset figure (a rate without a denominator) goes last either way: it is not small, it is missing.
    return [...this.rows].sort((a, b) => {
      const [x, y] = [column.value(a), column.value(b)];
      if (x === undefined || y === undefined) {
        return x === y ? 0 : x === undefined ? 1 : -1;
      }
      return sign * (typeof x === "string" || typeof y === "string" ? String(x).localeCompare(String(y)) : x - y);
    });
  }

  private render(): void {
    const header = this.columns.map((column) => {
      if (column.sortable === false) {
        return h("th", { scope: "col", "data-field": column.field }, column.label);
      }
      const button = h("button", { type: "button", class: "sort" }, column.label);
      button.addEventListener("click", () => this.sortBy(column));
      const attributes: Record<string, string> = { scope: "col", "data-field": column.field };
      if (column.field === this.sortField) {
        attributes["aria-sort"] = this.direction;
      }
      return h("th", attributes, button);
    });
    const body = this.sorted().map((row) =>
      h(
        "tr",
        this.rowAttributes(row),
        ...this.columns.map((column, index) => {
          const value = column.value(row);
          const attributes: Record<string, string> = { "data-field": column.field };
          if (column.sortable !== false) {
            attributes["data-value"] = value === undefined ? "" : String(value);
          }
          return index === 0 ? h("th", { scope: "row", ...attributes }, column.cell(row)) : h("td", attributes, column.cell(row));
        }),
      ),
    );
    this.table.replaceChildren(h("thead", {}, h("tr", {}, ...header)), h("tbody", {}, ...body));
  }
}
