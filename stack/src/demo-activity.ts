/**
 * A few minutes of a SOC's day, played through the gateway right after the demo data is
 * seeded, so a fresh `pnpm start` already shows an audit trail, auth events, an access log and
 * a brute-force security event — all made by the real code paths, none inserted by hand.
 */

interface GraphQLResult<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function post<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphQLResult<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'socgraph-demo/1.0',
      'apollographql-client-name': 'demo-activity',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResult<T>;
}

const LOGIN = `mutation DemoLogin($username: String!, $password: String!) {
  login(username: $username, password: $password) { token }
}`;

async function login(url: string, username: string, password: string): Promise<string> {
  const result = await post<{ login: { token: string } }>(url, LOGIN, { username, password });
  const token = result.data?.login.token;
  if (!token) throw new Error(`demo login ${username} failed: ${JSON.stringify(result.errors)}`);
  return token;
}

/** Runs the activity; returns a line to print. Throws if a step fails (the demo world would be wrong). */
export async function playDemoActivity(graphqlUrl: string, password: string): Promise<string> {
  let operations = 0;
  const run = async <T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> => {
    operations += 1;
    const result = await post<T>(graphqlUrl, query, variables, token);
    if (!result.data || result.errors?.length) throw new Error(`demo step failed: ${JSON.stringify(result.errors)}`);
    return result.data;
  };

  // An analyst triages an alert they may see.
  const analyst = await login(graphqlUrl, 'analyst', password);
  operations += 1;
  const alerts = await run<{ alerts: { edges: { node: { id: string } }[] } }>(
    `query DemoTriage { alerts(first: 1) { edges { node { id } } } }`,
    {},
    analyst,
  );
  const alertId = alerts.alerts.edges[0]?.node.id;
  if (alertId) {
    await run(
      `mutation DemoStartWork($id: ID!) { updateAlertStatus(id: $id, status: IN_PROGRESS) { id status } }`,
      { id: alertId },
      analyst,
    );
    await run(
      `mutation DemoComment($id: ID!) { addAlertComment(alertId: $id, comment: "Checked the sender domain; looks like the phishing wave from Monday.") { id } }`,
      { id: alertId },
      analyst,
    );
  }
  await run(`mutation DemoLogout { logout }`, {}, analyst);

  // Someone guesses passwords for a username that does not exist: ten failures within the window
  // raise a BRUTE_FORCE security event. Not a real login, which the guesses would lock.
  for (let i = 0; i < 10; i += 1) {
    operations += 1;
    await post(graphqlUrl, LOGIN, { username: 'root', password: `guess-${i}` });
  }

  // The admin sets a retention policy for the access log.
  const admin = await login(graphqlUrl, 'admin', password);
  operations += 1;
  await run(
    `mutation DemoRetention { createRetentionPolicy(input: { tableName: "api_access_log", retentionPeriodDays: 90, deleteAfterDays: 180 }) { id } }`,
    {},
    admin,
  );
  return `Demo activity: ${operations} operations through the gateway (audit trail, auth events, access log, a brute-force event)`;
}
