// Trends: a daily chart of each headline metric, from GetDailyTrends' one-day periods, and the same figures as a
// table (for reading exact values, and for screen readers). Days without chats are absent from the RPC's answer and
// show as gaps, not zeros: the page invents no figure.

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { DailyTrends, PeriodMetrics } from "./api";
import { addDays } from "./period";
import { h } from "./dom";
import { formatValue, type Unit } from "./format";

interface Trend {
  /** The PeriodMetrics JSON field charted. */
  metric: keyof PeriodMetrics;
  title: string;
  unit: Unit;
}

const trends: Trend[] = [
  { metric: "chatsReceived", title: "Chats received", unit: "count" },
  { metric: "responseRate24h", title: "24-hour response rate", unit: "rate" },
  { metric: "firstResponseMedianSeconds", title: "First response time (median)", unit: "duration" },
  { metric: "satisfactionRate", title: "Satisfaction rate (of chats received)", unit: "rate" },
  { metric: "conversionRate", title: "Conversion rate", unit: "rate" },
];

const secondsPerDay = 86_400;
/** Tick steps of a count axis: 1, 2, 5, 10, 20, 50… */
const wholeSteps = Array.from({ length: 8 }, (_, i) => [1, 2, 5].map((step) => step * 10 ** i)).flat();

/** A day (YYYY-MM-DD) as the chart's x value: its UTC midnight in seconds; the axis shows it in UTC, so as the day. */
const dayToX = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;
const utcDate = (seconds: number) => uPlot.tzDate(new Date(seconds * 1000), "Etc/UTC");

export class TrendCharts {
  private charts: uPlot[] = [];

  constructor(private readonly container: HTMLElement) {
    window.addEventListener("resize", () => {
      for (const chart of this.charts) {
        chart.setSize(this.size(chart.root.parentElement as HTMLElement));
      }
    });
  }

  render(answer: DailyTrends, firstDay: string, lastDay: string): void {
    this.clear();
    const days = answer.days ?? [];
    const byDay = new Map(days.map((day) => [day.firstDay, day]));
    // Every day of the period on the x axis, so a day without chats is a visible gap.
    const xs: number[] = [];
    for (let day = firstDay; day <= lastDay; day = addDays(day, 1)) {
      xs.push(dayToX(day));
    }
    const values = (trend: Trend) =>
      xs.map((x) => {
        const value = byDay.get(new Date(x * 1000).toISOString().slice(0, 10))?.[trend.metric];
        return typeof value === "number" ? value : null;
      });

    const cards = trends.map((trend) => {
      const plot = h("div", { class: "trend-plot" });
      const card = h("figure", { class: "card trend", "data-trend": trend.metric }, h("figcaption", {}, trend.title), plot);
      return { trend, card, plot };
    });
    this.container.replaceChildren(...cards.map(({ card }) => card), this.table(days));
    for (const { trend, plot } of cards) {
      const format = (value: number | null) => (value === null ? "—" : formatValue(value, trend.unit));
      const options: uPlot.Options = {
        ...this.size(plot),
        tzDate: utcDate,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true, range: [xs[0] - secondsPerDay / 2, xs[xs.length - 1] + secondsPerDay / 2] }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
        axes: [
          { size: 30, font: "11px system-ui" },
          // Counts step by whole numbers: a half-chat tick would print as a rounded count twice ("0, 1, 1").
          { size: trend.unit === "duration" ? 84 : 60, font: "11px system-ui", values: (_u, splits) => splits.map((v) => format(v)), ...(trend.unit === "count" ? { incrs: wholeSteps } : {}) },
        ],
        series: [{}, { label: trend.title, stroke: "#1d3557", width: 2, fill: "rgba(29, 53, 87, 0.08)", points: { show: true, size: 5 }, spanGaps: false, value: (_u, v) => format(v) }],
      };
      this.charts.push(new uPlot(options, [xs, values(trend)], plot));
    }
  }

  clear(): void {
    for (const chart of this.charts) {
      chart.destroy();
    }
    this.charts = [];
    this.container.replaceChildren();
  }

  private size(plot: HTMLElement): { width: number; height: number } {
    return { width: Math.max(240, plot.clientWidth || this.container.clientWidth), height: 160 };
  }

  /** The charted figures, exactly as the RPC returned them (data-value), one row per day with chats. */
  private table(days: PeriodMetrics[]): HTMLElement {
    return h(
      "details",
      { class: "trend-table" },
      h("summary", {}, "Daily figures as a table"),
      h(
        "div",
        { class: "table-scroll" },
        h(
          "table",
          { id: "trends-table" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Day"), ...trends.map((trend) => h("th", { scope: "col" }, trend.title)))),
          h(
            "tbody",
            {},
            ...days.map((day) =>
              h(
                "tr",
                { "data-day": day.firstDay },
                h("th", { scope: "row" }, day.firstDay),
                ...trends.map((trend) => {
                  const value = day[trend.metric] as number | undefined;
                  return h("td", { "data-metric": trend.metric, "data-value": value === undefined ? "" : String(value) }, formatValue(value, trend.unit));
                }),
              ),
            ),
          ),
        ),
      ),
    );
  }
}
