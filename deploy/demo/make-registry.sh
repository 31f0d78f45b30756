#!/usr/bin/env bash
# Prints the demo registry: the compiled-in Rajasthan units, with accounts
# whose ids are tvarit-sim's (four X handles, one Facebook Page) and every
# inbound route switched on. Used by deploy/local/run.sh and, committed as
# deploy/demo/registry.toml, by docker-compose.demo.yml;
# deploy/local/check-deploy.sh fails when the committed copy is stale.
set -euo pipefail
cd "$(dirname "$0")/../.."
readonly sim_page_id=100000000000001

sed '/^\[\[accounts\]\]/,$d' crates/registry/rajasthan.toml
for pair in PoliceRajasthan:1:hq RajPoliceHelp:2:hq SP_Balotra:3:balotra jaipur_police:4:jaipur; do
  IFS=: read -r h id unit <<<"$pair"
  printf '[[accounts]]\nplatform = "x"\nhandle = "@%s"\nunit = "%s"\nplatform_id = "90000000000000000%s"\nsources = ["poll", "stream", "webhook"]\n\n' "$h" "$unit" "$id"
done
printf '[[accounts]]\nplatform = "facebook"\nhandle = "@RajasthanPolicePage"\nunit = "hq"\nplatform_id = "%s"\nsources = ["webhook"]\n' "$sim_page_id"
