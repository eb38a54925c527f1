// The query RPCs through the service's HTTP/JSON door (gRPC JSON transcoding of the google.api.http routes in
// protos/). Field names are the proto3 JSON mapping's (camelCase); 64-bit integers arrive as JSON numbers; an unset
// optional rate is absent. The page computes no metric: it shows these answers.

import { type Credential, credentialHeaders } from "./credential";

export interface PeriodMetrics {
  firstDay: string;
  lastDay: string;
  chatsReceived: number;
  inquiries: number;
  inquiriesAnsweredWithin24h: number;
  inquiriesPending: number;
  responseRate24h?: number;
  firstResponsesMeasured: number;
  firstResponseMeanSeconds?: number;
  firstResponseMedianSeconds?: number;
  firstResponseP90Seconds?: number;
  chatsRated: number;
  chatsRated4Or5: number;
  ratingDistribution: number[];
  satisfactionRate?: number;
  satisfactionRateOfRated?: number;
  ratedShare?: number;
  convertedChats: number;
  conversionRate?: number;
  potentialCustomers: number;
  convertedCustomers: number;
}

export interface Overview {
  timeZone: string;
  current: PeriodMetrics;
  previous: PeriodMetrics;
  asOf: string;
}

export interface DailyTrends {
  /** One entry per day of the period with chats received, in day order; each a one-day period. */
  days?: PeriodMetrics[];
  asOf: string;
}

export interface CallerGrants {
  callerName: string;
  scopes?: string[];
  shopIds?: string[];
  allShops?: boolean;
}

export interface StatusBreakdown {
  responded24h: number;
  respondedLate: number;
  nonResponded: number;
  pending: number;
  assistantSolved: number;
  noInquiry: number;
  asOf: string;
}

export interface ChatRow {
  chatId: string;
  customerId: string;
  receivedAt: string;
  status: string;
  type: string;
  tags: string[];
  currentAgentId: string;
  firstResponseSeconds?: number;
  rating: number;
  converted: boolean;
}

export interface ChatPage {
  chats: ChatRow[];
  nextPageToken: string;
  asOf: string;
  total: number;
  /** With inquiry filters, the inquiry count they drill into; with transfer filters, the transfer count. */
  matchingInquiries?: number;
  matchingTransfers?: number;
}

export interface Period {
  firstDay: string;
  lastDay: string;
}

/** A call the service refused or could not answer: the HTTP status and the gRPC status body's message. */
export class ApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = "ApiError";
  }

  /** What a failed call threw, as an ApiError (anything else, a bug or a network failure, with status 0). */
  static from(error: unknown): ApiError {
    return error instanceof ApiError ? error : new ApiError(0, String(error));
  }
}

export type Query = Record<string, string | number | string[] | undefined>;

/** A query string of proto field names; repeated fields repeat the parameter, unset and empty values are left out. */
export function queryString(query: Query): string {
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : value === undefined || value === "" ? [] : [value]) {
      parameters.append(name, String(item));
    }
  }
  return parameters.toString();
}

/** fetch with the credential's headers; a network failure becomes an ApiError, a refusal the service's reason. */
export async function send(credential: Credential, url: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers: { Accept: "application/json", ...init.headers, ...credentialHeaders(credential) } });
  } catch (error) {
    throw new ApiError(0, `The service could not be reached (${error instanceof Error ? error.message : String(error)}).`);
  }
  if (!response.ok) {
    throw new ApiError(response.status, errorMessage(response, await response.text()));
  }
  return response;
}

export async function get<T>(credential: Credential, path: string, query: Query): Promise<T> {
  const parameters = queryString(query);
  return (await (await send(credential, parameters === "" ? path : `${path}?${parameters}`)).json()) as T;
}

/** A POST route with a JSON body (body: "*" in the proto's http rule). */
export async function post<T>(credential: Credential, path: string, body: unknown): Promise<T> {
  const response = await send(credential, path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return (await response.json()) as T;
}

/** The gRPC status body's message ({"code", "message", "details"}), or the HTTP status when there is none. */
function errorMessage(response: Response, body: string): string {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    if (typeof status.message === "string" && status.message !== "") {
      return status.message;
    }
  } catch {
    // Not a status body (a proxy's page, say): the HTTP status is all there is.
  }
  return `HTTP ${response.status} ${response.statusText}`.trim();
}

export const shopPath = (shopId: string) => `/v1/shops/${encodeURIComponent(shopId)}`;

/** The JSON door's query for a period (the requests' first_day and last_day). */
export const periodQuery = (period: Period): Query => ({ first_day: period.firstDay, last_day: period.lastDay });

/** The call of one of the shop's RPCs that take just a period, at its resource below the shop's path. */
const periodCall =
  <T>(resource: string) =>
  (credential: Credential, shopId: string, period: Period) =>
    get<T>(credential, `${shopPath(shopId)}/${resource}`, periodQuery(period));

export const getOverview = periodCall<Overview>("overview");

export const getDailyTrends = periodCall<DailyTrends>("daily-trends");

export const getCaller = (credential: Credential) => get<CallerGrants>(credential, "/v1/caller", {});

export const getStatusBreakdown = periodCall<StatusBreakdown>("status-breakdown");

/** One AgentDetails entry; an empty agentId is "unassigned" (inquiries no agent was assigned to). */
export interface AgentDetails {
  agentId: string;
  displayName: string;
  chatsHandled: number;
  inquiriesAnswered: number;
  answeredWithin24h: number;
  answeredLate: number;
  nonResponded: number;
  responseRate24h?: number;
  chatsRated: number;
  chatsRated4Or5: number;
  satisfactionRate?: number;
  responseMeanSeconds?: number;
  responseP90Seconds?: number;
  transfersIn: number;
  transfersOut: number;
}

export interface AgentDetailsAnswer {
  agents: AgentDetails[];
  asOf: string;
}

export const getAgentDetails = periodCall<AgentDetailsAnswer>("agents");

export interface TagDetails {
  tag: string;
  chats: number;
  assistantSolved: number;
  humanHandled: number;
  inquiries: number;
  answeredWithin24h: number;
  responseRate24h?: number;
  convertedChats: number;
  conversionRate?: number;
}

export interface TagBreakdown {
  tags: TagDetails[];
  asOf: string;
}

export const getTagBreakdown = periodCall<TagBreakdown>("tags");

export interface PendingInquiry {
  chatId: string;
  customerId: string;
  askedAt: string;
  /** Seconds left of its 24 hours when the service answered. */
  secondsLeft: number;
  currentAgentId: string;
}

export interface SlaQueue {
  inquiries: PendingInquiry[];
}

/** The shop's queue now: it follows no period (chats received in the last 30 days). */
export const getSlaQueue = (credential: Credential, shopId: string, limit: number) =>
  get<SlaQueue>(credential, `${shopPath(shopId)}/sla-queue`, { limit });

/**
 * ListChats' filters (ListChatsRequest's fields of the same snake_case names): every drill-down of the page is one of
 * these, so the list shows exactly the chats the RPC counts. Unset or empty means "any".
 */
export interface ChatCriteria {
  chatTypes?: string[];
  tags?: string[];
  agentIds?: string[];
  statuses?: string[];
  customerId?: string;
  handledByAgentIds?: string[];
  ratings?: number[];
  inquiryOutcomes?: string[];
  inquiryAgentIds?: string[];
  transferDirections?: string[];
  transferAgentIds?: string[];
}

/** ListChatsRequest's query parameters for a filter (the JSON door takes proto field names). */
export function criteriaQuery(criteria: ChatCriteria): Query {
  return {
    chat_types: criteria.chatTypes,
    tags: criteria.tags,
    agent_ids: criteria.agentIds,
    statuses: criteria.statuses,
    customer_id: criteria.customerId,
    handled_by_agent_ids: criteria.handledByAgentIds,
    ratings: criteria.ratings?.map(String),
    inquiry_outcomes: criteria.inquiryOutcomes,
    inquiry_agent_ids: criteria.inquiryAgentIds,
    transfer_directions: criteria.transferDirections,
    transfer_agent_ids: criteria.transferAgentIds,
  };
}

export const listChats = (credential: Credential, shopId: string, period: Period, criteria: ChatCriteria, pageSize: number, pageToken: string) =>
  get<ChatPage>(credential, `${shopPath(shopId)}/chats`, {
    ...periodQuery(period),
    ...criteriaQuery(criteria),
    page_size: pageSize,
    page_token: pageToken,
  });
