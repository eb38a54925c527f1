// The Service Analytics page: sign-in, shop and period, and the report: the first view (Chats Overview, trends,
// hints, Chat details) and, once it is drawn, the sections that follow it (agents, tags, SLA queue); All Chats lists
// on demand. Also the states a user meets: loading, empty period, a failed call with a retry, a credential refused,
// a shop not visible.

import { AgentsSection } from "./agents";
import {
  ApiError,
  type DailyTrends,
  getCaller,
  getDailyTrends,
  getOverview,
  getStatusBreakdown,
  type Overview,
  type Period,
  type StatusBreakdown,
} from "./api";
import { renderBreakdown } from "./breakdown";
import { ChatList } from "./chats";
import { type CredentialKind, forgetCredential, loadCredential, saveCredential } from "./credential";
import { byId, h } from "./dom";
import { formatInstant } from "./format";
import { HintsSection } from "./hints";
import { renderOverview } from "./overview";
import { presetPeriod, type Preset } from "./period";
import type { ReportSection } from "./report";
import { SlaSection } from "./sla";
import { TrendCharts } from "./trends";
import "./style.css";
import { TagsSection } from "./tags";

const signIn = byId<HTMLFormElement>("sign-in");
const signInReason = byId<HTMLElement>("sign-in-reason");
const credentialKind = byId<HTMLSelectElement>("credential-kind");
const credentialValue = byId<HTMLInputElement>("credential-value");
const signOut = byId<HTMLButtonElement>("sign-out");
const query = byId<HTMLFormElement>("query");
const shopInput = byId<HTMLInputElement>("shop-id");
const shopList = byId<HTMLDataListElement>("shop-list");
const callerName = byId<HTMLElement>("caller-name");
const presetInput = byId<HTMLSelectElement>("preset");
const firstDayInput = byId<HTMLInputElement>("first-day");
const lastDayInput = byId<HTMLInputElement>("last-day");
const status = byId<HTMLElement>("status");
const report = byId<HTMLElement>("report");
const context = byId<HTMLElement>("context");

/** Each shop's time zone once an answer has told it: presets are days in the shop's zone. */
const shopZones = new Map<string, string>();
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const chatList = new ChatList(loadCredential, handleAuthFailure);
const trendCharts = new TrendCharts(byId("trends"));
const hints = new HintsSection();
/** Loaded once the first view (overview + breakdown) has rendered, so they never delay it. */
const laterSections: ReportSection[] = [new AgentsSection(chatList, handleAuthFailure), new TagsSection(chatList, handleAuthFailure), new SlaSection(handleAuthFailure)];
/** Increases with every load, so the answers of an earlier one are dropped. */
let generation = 0;
/** Increases with every credential check, so a slow answer about an earlier credential is dropped. */
let signInCheck = 0;

function hideSections(): void {
  hints.hide();
  laterSections.forEach((section) => section.hide());
}

function showSignIn(reason: string | null): void {
  // Whatever was loading for the previous credential is dropped, so its figures never show again.
  generation++;
  signInCheck++;
  chatList.hide();
  hideSections();
  signIn.hidden = false;
  query.hidden = true;
  signOut.hidden = true;
  callerName.textContent = "";
  report.hidden = true;
  status.replaceChildren();
  signInReason.hidden = reason === null;
  signInReason.textContent = reason ?? "";
  credentialValue.value = "";
  credentialValue.focus();
}

function showQuery(): void {
  signIn.hidden = true;
  query.hidden = false;
  signOut.hidden = false;
  shopInput.focus();
}

/**
 * Asks the service who the credential is (GetCaller) before showing anything: a refused credential asks again at
 * once, and the caller's shops become the shop field's suggestions, the first of them chosen. A caller of every shop
 * types one. The service still decides every call; this only saves a person from guessing.
 */
async function signedIn(): Promise<void> {
  const credential = loadCredential();
  if (credential === null) {
    showSignIn(null);
    return;
  }
  const check = ++signInCheck;
  status.replaceChildren(h("p", { class: "loading" }, "Checking your credential…"));
  let grants;
  try {
    grants = await getCaller(credential);
  } catch (error) {
    if (check !== signInCheck) {
      return;
    }
    const failure = ApiError.from(error);
    if (failure.httpStatus === 401 || failure.httpStatus === 403) {
      forgetCredential();
      showSignIn(
        failure.httpStatus === 401
          ? `The service did not accept your credential (${failure.reason}). Enter an API key or a token.`
          : `This credential may not read analytics (${failure.reason}). Enter one with the query scope.`,
      );
    } else {
      const retry = h("button", { type: "button", id: "retry" }, "Retry");
      retry.addEventListener("click", () => void signedIn());
      status.replaceChildren(h("p", { class: "error", role: "alert", id: "failure" }, `Could not reach the service: ${failure.reason} `, retry));
    }
    return;
  }
  if (check !== signInCheck) {
    return;
  }
  status.replaceChildren();
  callerName.textContent = grants.callerName;
  chatList.setScopes(grants.scopes ?? []);
  const shops = grants.allShops ? [] : (grants.shopIds ?? []);
  shopList.replaceChildren(...shops.map((shop) => h("option", { value: shop })));
  showQuery();
  if (shopInput.value.trim() === "" && shops.length > 0) {
    shopInput.value = shops[0];
  }
  if (shopInput.value.trim() !== "") {
    await load();
  }
}

/** A 401 asks for a credential again; a 403 says the shop is not visible. Anything else is the caller's to show. */
function handleAuthFailure(error: ApiError): boolean {
  if (error.httpStatus === 401) {
    forgetCredential();
    showSignIn(`The service did not accept your credential (${error.reason}). Enter an API key or a token.`);
    return true;
  }
  if (error.httpStatus === 403) {
    generation++;
    chatList.hide();
    hideSections();
    report.hidden = true;
    status.replaceChildren(
      h("p", { class: "error", role: "alert", id: "forbidden" }, `Shop “${shopInput.value.trim()}” is not visible to your credential (${error.reason}).`),
    );
    return true;
  }
  return false;
}

function selectedPeriod(shopId: string): Period | null {
  const preset = presetInput.value as Preset;
  if (preset === "custom") {
    return firstDayInput.value && lastDayInput.value ? { firstDay: firstDayInput.value, lastDay: lastDayInput.value } : null;
  }
  return presetPeriod(Number(preset), shopZones.get(shopId) ?? browserZone);
}

async function load(): Promise<void> {
  const credential = loadCredential();
  if (credential === null) {
    showSignIn(null);
    return;
  }
  const shopId = shopInput.value.trim();
  const period = selectedPeriod(shopId);
  if (period === null) {
    status.replaceChildren(h("p", { class: "error", role: "alert" }, "Choose the first and last day of the custom range."));
    return;
  }
  const current = ++generation;
  chatList.hide();
  hideSections();
  report.setAttribute("aria-busy", "true");
  status.replaceChildren(h("p", { class: "loading" }, `Loading ${shopId}, ${period.firstDay} – ${period.lastDay}…`));
  let overview: Overview;
  let breakdown: StatusBreakdown;
  let trends: DailyTrends;
  try {
    [overview, breakdown, trends] = await Promise.all([
      getOverview(credential, shopId, period),
      getStatusBreakdown(credential, shopId, period),
      getDailyTrends(credential, shopId, period),
    ]);
  } catch (error) {
    if (current === generation) {
      report.removeAttribute("aria-busy");
      showFailure(ApiError.from(error));
    }
    return;
  }
  if (current !== generation) {
    return;
  }
  report.removeAttribute("aria-busy");
  const knownZone = shopZones.get(shopId);
  shopZones.set(shopId, overview.timeZone);
  if (knownZone === undefined && presetInput.value !== "custom") {
    // The preset was computed in the browser's zone before the shop's was known; ask again if that moved its days.
    const corrected = presetPeriod(Number(presetInput.value), overview.timeZone);
    if (corrected.firstDay !== period.firstDay || corrected.lastDay !== period.lastDay) {
      await load();
      return;
    }
  }
  show(shopId, period, overview, breakdown, trends);
  chatList.show({ shopId, period, timeZone: overview.timeZone, credential });
}

function showFailure(error: ApiError): void {
  if (handleAuthFailure(error)) {
    return;
  }
  report.hidden = true;
  if (error.httpStatus === 404) {
    // The shop's calls answer NOT_FOUND only for a shop the service has no facts of: a new shop, or a mistyped id.
    status.replaceChildren(
      h("p", { class: "notice", id: "no-data" }, `No data yet for shop “${shopInput.value.trim()}”: the service has received no facts for it. Its figures show here once they arrive; check the shop id if they should be there.`),
    );
    return;
  }
  const retry = h("button", { type: "button", id: "retry" }, "Retry");
  retry.addEventListener("click", () => void load());
  status.replaceChildren(h("p", { class: "error", role: "alert", id: "failure" }, `Could not load the figures: ${error.reason} `, retry));
}

function show(shopId: string, period: Period, overview: Overview, breakdown: StatusBreakdown, trends: DailyTrends): void {
  context.replaceChildren(
    h("strong", { id: "shop" }, shopId),
    ` · ${period.firstDay} – ${period.lastDay} (previous: ${overview.previous.firstDay} – ${overview.previous.lastDay}) · time zone `,
    h("span", { id: "time-zone" }, overview.timeZone),
    " · figures as of ",
    h("time", { id: "as-of", datetime: overview.asOf }, formatInstant(overview.asOf, overview.timeZone)),
  );
  status.replaceChildren(
    overview.current.chatsReceived === 0
      ? h("p", { class: "notice", id: "empty" }, "No chats were received in this period.")
      : "",
  );
  renderOverview(byId("overview"), overview);
  renderBreakdown(byId("breakdown"), breakdown, (category) =>
    chatList.open({ shopId, period, timeZone: overview.timeZone, criteria: { chatTypes: [category.chatType] }, label: category.label }),
  );
  hints.render(overview, breakdown);
  report.hidden = false;
  // Charts measure their container, so they are drawn once the report is laid out.
  trendCharts.render(trends, period.firstDay, period.lastDay);
  // The first view is complete: a timeline mark for whoever measures it (the page benchmark), costless otherwise.
  performance.mark("first-view", { detail: { shopId, asOf: overview.asOf } });
  const credential = loadCredential();
  if (credential !== null) {
    laterSections.forEach((section) => section.show({ shopId, period, timeZone: overview.timeZone, credential }));
  }
}

signIn.addEventListener("submit", (event) => {
  event.preventDefault();
  const value = credentialValue.value.trim();
  if (value === "") {
    return;
  }
  saveCredential({ kind: credentialKind.value as CredentialKind, value });
  credentialValue.value = "";
  void signedIn();
});

signOut.addEventListener("click", () => {
  forgetCredential();
  showSignIn(null);
});

query.addEventListener("submit", (event) => {
  event.preventDefault();
  void load();
});

function toggleCustom(): void {
  for (const label of document.querySelectorAll<HTMLElement>(".custom")) {
    label.hidden = presetInput.value !== "custom";
  }
}
presetInput.addEventListener("change", toggleCustom);
toggleCustom();

void signedIn();
