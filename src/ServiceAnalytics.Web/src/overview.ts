// Chats Overview: every headline figure of GetOverview, this period beside the previous one and the change.

import type { Overview, PeriodMetrics } from "./api";
import { h } from "./dom";
import { formatChange, formatValue, type Unit } from "./format";

interface Figure {
  /** The figure's name in the test's eyes (data-metric): the JSON field, or ratingDistribution.<stars>. */
  metric: string;
  label: string;
  unit: Unit;
  read: (period: PeriodMetrics) => number | undefined;
}

interface Card {
  title: string;
  note?: string;
  figures: Figure[];
}

const field = (metric: keyof PeriodMetrics, label: string, unit: Unit): Figure => ({
  metric,
  label,
  unit,
  read: (period) => period[metric] as number | undefined,
});

const stars = [5, 4, 3, 2, 1].map<Figure>((star) => ({
  metric: `ratingDistribution.${star}`,
  label: `${star}★ chats`,
  unit: "count",
  read: (period) => period.ratingDistribution?.[star - 1] ?? 0,
}));

const cards: Card[] = [
  { title: "Chats Received", figures: [field("chatsReceived", "Chats received", "count")] },
  {
    title: "24-Hour Response Rate",
    figures: [
      field("responseRate24h", "Response rate", "rate"),
      field("inquiriesAnsweredWithin24h", "Inquiries answered within 24 h", "count"),
      field("inquiries", "Inquiries counted", "count"),
      field("inquiriesPending", "Pending inquiries (not yet counted)", "count"),
    ],
  },
  {
    title: "Average First Response Time",
    figures: [
      field("firstResponseMeanSeconds", "Mean", "duration"),
      field("firstResponseMedianSeconds", "Median", "duration"),
      field("firstResponseP90Seconds", "90th percentile", "duration"),
      field("firstResponsesMeasured", "Chats measured", "count"),
    ],
  },
  {
    title: "Satisfaction Rate",
    figures: [
      field("satisfactionRate", "Rated 4–5★ of chats received", "rate"),
      field("satisfactionRateOfRated", "Rated 4–5★ of rated chats", "rate"),
      field("ratedShare", "Share of chats rated", "rate"),
      field("chatsRated", "Chats rated", "count"),
      field("chatsRated4Or5", "Chats rated 4–5★", "count"),
      ...stars,
    ],
  },
  {
    title: "Conversion Rate",
    figures: [field("conversionRate", "Conversion rate", "rate"), field("convertedChats", "Converted chats", "count")],
  },
  {
    title: "Customers",
    note: "Over the 28 days ending with the period's last day.",
    figures: [
      field("potentialCustomers", "Potential customers", "count"),
      field("convertedCustomers", "Converted customers", "count"),
    ],
  },
];

/** A figure's raw value as the RPC returned it, for reading back exactly; empty when the RPC left it unset. */
const raw = (value: number | undefined) => (value === undefined ? "" : String(value));

export function renderOverview(container: HTMLElement, overview: Overview): void {
  const { current, previous } = overview;
  const previousLabel = `${previous.firstDay} – ${previous.lastDay}`;
  container.replaceChildren(
    ...cards.map((card) =>
      h(
        "article",
        { class: "card" },
        h("h3", {}, card.title),
        ...(card.note === undefined ? [] : [h("p", { class: "hint" }, card.note)]),
        h(
          "table",
          {},
          h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", {}, "This period"), h("th", { title: previousLabel }, "Previous"), h("th", {}, "Change"))),
          h(
            "tbody",
            {},
            ...card.figures.map((figure) => {
              const now = figure.read(current);
              const before = figure.read(previous);
              return h(
                "tr",
                { "data-metric": figure.metric },
                h("th", { scope: "row" }, figure.label),
                h("td", { "data-period": "current", "data-value": raw(now) }, formatValue(now, figure.unit)),
                h("td", { "data-period": "previous", "data-value": raw(before) }, formatValue(before, figure.unit)),
                h("td", { class: "change" }, formatChange(now, before, figure.unit)),
              );
            }),
          ),
        ),
      ),
    ),
  );
}
