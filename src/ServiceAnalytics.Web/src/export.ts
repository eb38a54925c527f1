// All Chats as CSV: ExportChats' download route with the list's own filter. The credential must travel as a header,
// which a plain link cannot send, so the file is fetched and handed to the browser as a Blob URL to save.

import { type ChatCriteria, criteriaQuery, type Period, periodQuery, queryString, send, shopPath } from "./api";
import type { Credential } from "./credential";
import { h } from "./dom";

/** Downloads the filter's CSV; returns the file name it was saved under. */
export async function exportChats(credential: Credential, shopId: string, period: Period, criteria: ChatCriteria): Promise<string> {
  const query = queryString({ ...periodQuery(period), ...criteriaQuery(criteria) });
  const response = await send(credential, `${shopPath(shopId)}/chats.csv?${query}`, { headers: { Accept: "text/csv" } });
  const blob = await response.blob();
  const name = attachmentName(response.headers.get("Content-Disposition")) ?? `chats-${shopId}-${period.firstDay}-${period.lastDay}.csv`;
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name, hidden: "" });
  document.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel a download the browser has not started reading yet; later, the URL only holds memory.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
  return name;
}

/** The service's file name (chats-<shop>-<first_day>-<last_day>.csv, already made safe by it). */
function attachmentName(disposition: string | null): string | null {
  const match = disposition?.match(/filename="?([^";]+)"?/);
  return match ? match[1] : null;
}
