// The official ClickHouse JavaScript client (@clickhouse/client) against the service's SQL endpoint, used as a BI
// tool uses it: connect with a BI key, list the views, run a parameterized query on a view in JSONEachRow and JSON,
// and meet the endpoint's refusals as the client's ClickHouseError with ClickHouse's code.
//
//   node script.mjs <url> <user> <key> <expected JSON>
//
// The expectations come from the test that runs this (BiJsClientTests), which computed them for the scenario it
// ingested: { views: [name…], daily: [{ params: {shop, first, last}, rows: [{day, chats, rated_4_or_5}…] }…],
// shops: [{shop_id, chats}…], refused: [{ statement, code }…] }. Exit code 0 when every check holds.
import assert from 'node:assert/strict';
import { ClickHouseError, createClient } from '@clickhouse/client';

const [url, username, password, expectedJson] = process.argv.slice(2);
if (expectedJson === undefined) {
  console.error('usage: node script.mjs <url> <user> <key> <expected JSON>');
  process.exit(2);
}

const expected = JSON.parse(expectedJson);
const client = createClient({ url, username, password, request_timeout: 30_000 });

// count() is UInt64, which ClickHouse's JSON formats quote: toUInt32 keeps the answer plain numbers.
const daily = `SELECT day, toUInt32(count()) AS chats, toUInt32(countIf(stars >= 4)) AS rated_4_or_5
FROM bi_chats
WHERE shop_id = {shop:String} AND day BETWEEN {first:Date} AND {last:Date}
GROUP BY day
ORDER BY day`;

async function rows(query, format, query_params = {}) {
  return (await client.query({ query, format, query_params })).json();
}

async function checks() {
  assert.equal((await client.ping()).success, true, 'ping');

  const tables = await rows('SHOW TABLES', 'JSONEachRow');
  assert.deepEqual(tables.map((t) => t.name).sort(), [...expected.views].sort(), 'SHOW TABLES lists the BI views');

  for (const { params, rows: want } of expected.daily) {
    assert.deepEqual(await rows(daily, 'JSONEachRow', params), want, `JSONEachRow for ${JSON.stringify(params)}`);
    const json = await rows(daily, 'JSON', params);
    assert.deepEqual(json.meta, [
      { name: 'day', type: 'Date' },
      { name: 'chats', type: 'UInt32' },
      { name: 'rated_4_or_5', type: 'UInt32' },
    ], 'JSON meta');
    assert.equal(json.rows, want.length, 'JSON rows');
    assert.deepEqual(json.data, want, `JSON data for ${JSON.stringify(params)}`);
  }

  const shops = await rows('SELECT shop_id, toUInt32(count()) AS chats FROM bi_chats GROUP BY shop_id ORDER BY shop_id', 'JSONEachRow');
  assert.deepEqual(shops, expected.shops, "every shop the key sees, and only the key's");

  for (const { statement, code } of expected.refused) {
    await assert.rejects(
      client.command({ query: statement }),
      (error) => {
        assert.ok(error instanceof ClickHouseError, `${statement}: a ClickHouseError, got ${error}`);
        assert.equal(error.code, String(code), `${statement}: ClickHouse code (${error.message})`);
        return true;
      },
      `${statement} is refused`);
  }
}

try {
  await checks();
  console.log('ok');
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await client.close();
}
