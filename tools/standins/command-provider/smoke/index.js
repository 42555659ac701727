// Program of tools/standins/command-provider/smoke.sh: exercises the command provider
// stand-in (remote and local Command) and the Node.js dynamic provider plugin through the real
// Pulumi CLI. Config (set by smoke.sh): port, hostKey, privateKey (OpenSSH, secret), pkcs8Key
// (PKCS#8 PEM, secret), proxyKey + proxyKeyPassword (encrypted OpenSSH, secret), stdinSecret
// (secret), markerDir, createVersion (v1), trigger (t1), unreachablePort, failing (false),
// wrongHostKey.
"use strict";
const pulumi = require("@pulumi/pulumi");
const command = require("@pulumi/command");

const cfg = new pulumi.Config();
const marker = cfg.require("markerDir");
const base = {
  host: "127.0.0.1",
  port: cfg.requireNumber("port"),
  user: "root",
  hostKey: cfg.require("hostKey"),
};

// create/update/delete, stdin, environment (AcceptEnv), triggers, previous output in the env.
const main = new command.remote.Command("main", {
  connection: { ...base, privateKey: cfg.requireSecret("privateKey") },
  create: cfg.get("createVersion") === "v2"
    ? `echo "v2 $(cat) prev=$PULUMI_COMMAND_STDOUT env=$VK8S_SMOKE"; echo create-v2 >> ${marker}/log`
    : `echo "created $(cat) env=$VK8S_SMOKE"; echo create-v1 >> ${marker}/log; echo warn >&2`,
  delete: `echo "delete prev=$PULUMI_COMMAND_STDOUT" >> ${marker}/log`,
  stdin: "hello-stdin",
  environment: { VK8S_SMOKE: "env-ok" },
  triggers: [cfg.get("trigger") || "t1"],
});

// Through a proxy (the same sshd as jump host): PKCS#8 key for the target, encrypted OpenSSH
// key with its password for the proxy.
const viaProxy = new command.remote.Command("via-proxy", {
  connection: {
    ...base,
    privateKey: cfg.requireSecret("pkcs8Key"),
    proxy: {
      host: "127.0.0.1",
      port: cfg.requireNumber("port"),
      user: "root",
      privateKey: cfg.requireSecret("proxyKey"),
      privateKeyPassword: cfg.requireSecret("proxyKeyPassword"),
    },
  },
  create: "echo via-proxy",
});

// A secret stdin echoed back: stdout is secret through additionalSecretOutputs.
const secretEcho = new command.remote.Command("secret-echo", {
  connection: { ...base, privateKey: cfg.requireSecret("privateKey") },
  create: "cat",
  stdin: cfg.requireSecret("stdinSecret"),
  logging: "none",
}, { additionalSecretOutputs: ["stdout"] });

const local = new command.local.Command("local", {
  create: "echo \"local $(cat) in $(pwd)\"",
  stdin: "from-stdin",
  dir: marker,
});

// A Node.js dynamic provider (needs the pulumi-resource-pulumi-nodejs plugin).
const echoProvider = {
  async create(inputs) {
    return { id: "dyn-" + inputs.value, outs: { value: inputs.value + "!" } };
  },
};
class Echo extends pulumi.dynamic.Resource {
  constructor(name, args, opts) {
    super(echoProvider, name, { value: undefined, ...args }, opts);
  }
}
const dyn = new Echo("dyn", { value: "dyn-ok" });

const unreachablePort = cfg.getNumber("unreachablePort");
if (unreachablePort) {
  new command.remote.Command("unreachable", {
    connection: {
      ...base,
      port: unreachablePort,
      privateKey: cfg.requireSecret("privateKey"),
      dialErrorLimit: 2,
      perDialTimeout: 2,
    },
    create: "echo never",
  });
}

if (cfg.getBoolean("failing")) {
  new command.remote.Command("fail-quiet", {
    connection: { ...base, privateKey: cfg.requireSecret("privateKey") },
    create: "printf 'leak-%s\\n' sentinel; printf 'leak-%s\\n' sentinel >&2; exit 3",
    logging: "none",
  });
  new command.remote.Command("fail-stdout", {
    connection: { ...base, privateKey: cfg.requireSecret("privateKey") },
    create: "printf 'shown-%s\\n' sentinel; printf 'hidden-%s\\n' sentinel >&2; exit 4\necho second line",
    logging: "stdout",
  });
  new command.remote.Command("wrong-host-key", {
    connection: {
      ...base,
      hostKey: cfg.require("wrongHostKey"),
      privateKey: cfg.requireSecret("privateKey"),
      dialErrorLimit: 0,
    },
    create: "echo never",
  });
}

exports.mainStdout = main.stdout;
exports.mainStderr = main.stderr;
exports.proxyStdout = viaProxy.stdout;
exports.secretStdout = secretEcho.stdout;
exports.localStdout = local.stdout;
exports.dynValue = dyn.value;
