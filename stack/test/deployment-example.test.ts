import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SUPERGRAPH_PATH, gatewayConfigFrom, subgraphNamesOf } from '@socgraph/gateway';
import { subgraphProcessOptions, subgraphUrlVariable } from '@socgraph/shared';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, SUBGRAPHS } from '../src';

/**
 * docs/deploy/kubernetes.yaml is run as written: every service of the graph has a Deployment
 * and a Service, and each container's env (Secret and ConfigMap references resolved) passes that
 * service's real start-up validation, plus what production needs beyond it (every subgraph URL
 * the gateway calls; every subgraph's AUDIT_URL, without which its audit trail never leaves its
 * outbox). A setting a service starts to require fails this test until the example has it.
 */

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface K8sObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  stringData?: Record<string, string>;
  data?: Record<string, string>;
  spec?: { template?: { spec?: { containers?: { name: string; env?: EnvVar[] }[] } } };
}

const objects = parseAllDocuments(readFileSync(path.join(REPO_ROOT, 'docs/deploy/kubernetes.yaml'), 'utf8')).map(
  (doc) => doc.toJS() as K8sObject,
);
const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
const component = (o: K8sObject) => o.metadata.labels?.['app.kubernetes.io/component'];

function envOf(deployment: K8sObject): NodeJS.ProcessEnv {
  const source = (kind: string, name: string): Record<string, string> => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`${deployment.metadata.name} refers to a missing ${kind} ${name}`);
    return found.stringData ?? found.data ?? {};
  };
  const env: NodeJS.ProcessEnv = {};
  for (const container of deployment.spec?.template?.spec?.containers ?? []) {
    for (const variable of container.env ?? []) {
      const secret = variable.valueFrom?.secretKeyRef;
      const configMap = variable.valueFrom?.configMapKeyRef;
      const value = secret
        ? source('Secret', secret.name)[secret.key]
        : configMap
          ? source('ConfigMap', configMap.name)[configMap.key]
          : variable.value;
      if (value === undefined) throw new Error(`${deployment.metadata.name}: ${variable.name} resolves to nothing`);
      env[variable.name] = value;
    }
  }
  return env;
}

const deploymentOf = (name: string): K8sObject => {
  const found = byKind('Deployment').find((d) => component(d) === name);
  if (!found) throw new Error(`no Deployment for ${name}`);
  return found;
};

describe('the Kubernetes deployment example', () => {
  const services = ['gateway', ...SUBGRAPHS.map((s) => s.service.name)];

  it('has a Deployment and a Service for the gateway and every registered subgraph', () => {
    for (const kind of ['Deployment', 'Service']) {
      expect(byKind(kind).map(component).sort()).toEqual(expect.arrayContaining([...services].sort()));
    }
  });

  it('gives the gateway every setting it requires, and the URL of every subgraph its supergraph joins', () => {
    const env = envOf(deploymentOf('gateway'));
    expect(env.NODE_ENV).toBe('production');
    expect(() => gatewayConfigFrom(env)).not.toThrow();
    const joined = subgraphNamesOf(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8'));
    for (const name of joined) expect(env).toHaveProperty(subgraphUrlVariable(name));
  });

  it.each(SUBGRAPHS.map((s) => [s.service.name, s] as const))(
    'gives %s every setting it requires at start, and where audit is',
    (_name, { service }) => {
      const env = envOf(deploymentOf(service.name));
      expect(env.NODE_ENV).toBe('production');
      expect(() => subgraphProcessOptions(service, env)).not.toThrow();
      if (service.name !== 'audit') expect(env).toHaveProperty('AUDIT_URL');
    },
  );

  it('would be caught missing a required secret', () => {
    const [first] = SUBGRAPHS;
    if (!first) throw new Error('no subgraph registered');
    const env = envOf(deploymentOf(first.service.name));
    for (const required of ['JWT_SECRET', 'INTERNAL_TOKEN_SECRET']) {
      const { [required]: _dropped, ...without } = env;
      expect(() => subgraphProcessOptions(first.service, without)).toThrow(new RegExp(required));
    }
    const { JWT_SECRET: _dropped, ...gatewayWithout } = envOf(deploymentOf('gateway'));
    expect(() => gatewayConfigFrom(gatewayWithout)).toThrow(/JWT_SECRET/);
  });
});
