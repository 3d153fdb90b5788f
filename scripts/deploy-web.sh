#!/usr/bin/env bash
# Build the web client against a deployed Pixel Prompt stack and publish it on the stack's
# CloudFront distribution (the files go to web/ in the stack's bucket).
#
#   scripts/deploy-web.sh STACK_NAME [REGION]
#
# Needs the AWS CLI v2 (credentials for the stack's account), Node.js 20.19+ and npm.
# Steps (see backend/DEPLOYMENT.md, "Web client"):
#   1. read ApiEndpoint, WebS3Uri, CloudFrontDistributionId and WebUrl from the stack outputs;
#   2. npm ci && VITE_API_URL=<ApiEndpoint> npm run build, in frontend/, into a temporary
#      directory (frontend/dist/ is the local build that `make dev` serves; leave it alone);
#   3. upload dist/assets/ (content-hashed names) with a one-year immutable Cache-Control,
#      without deleting anything yet: pages that already loaded the old index.html still
#      find their files;
#   4. upload index.html and the other top-level files with Cache-Control: no-cache;
#   5. delete assets that the new index.html no longer uses;
#   6. invalidate the top-level paths on CloudFront.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 || $1 == -h || $1 == --help ]]; then
  echo "usage: $0 STACK_NAME [REGION]" >&2
  exit 2
fi
stack=$1
if [[ $# -eq 2 ]]; then
  # Both names: the CLI reads AWS_REGION first, older tools AWS_DEFAULT_REGION.
  export AWS_REGION=$2 AWS_DEFAULT_REGION=$2
fi

output() {
  local value
  value=$(aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text)
  if [[ -z $value || $value == None ]]; then
    echo "stack $stack has no output $1: deploy the current backend/template.yaml first" >&2
    exit 1
  fi
  printf '%s\n' "$value"
}

api_url=$(output ApiEndpoint)
web_s3_uri=$(output WebS3Uri)
distribution_id=$(output CloudFrontDistributionId)
web_url=$(output WebUrl)
web_s3_uri=${web_s3_uri%/}/

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dist=$(mktemp -d)
trap 'rm -rf "$dist"' EXIT
immutable="public, max-age=31536000, immutable"

echo "Building the web client for $api_url"
(cd "$root/frontend" && npm ci --no-audit --no-fund &&
  VITE_API_URL=$api_url npm run build -- --outDir "$dist" --emptyOutDir)
[[ -f $dist/index.html && -d $dist/assets ]] || { echo "no build in $dist" >&2; exit 1; }

echo "Uploading to $web_s3_uri"
aws s3 sync "$dist/assets/" "${web_s3_uri}assets/" --cache-control "$immutable"
aws s3 cp "$dist/" "$web_s3_uri" --recursive --exclude "assets/*" --cache-control "no-cache"
aws s3 sync "$dist/assets/" "${web_s3_uri}assets/" --delete --cache-control "$immutable"

# "/" is cached apart from "/index.html" (DefaultRootObject), so invalidate both.
paths=(/)
while IFS= read -r file; do
  paths+=("/${file#"$dist"/}")
done < <(find "$dist" -maxdepth 1 -type f | sort)
echo "Invalidating ${paths[*]}"
aws cloudfront create-invalidation --distribution-id "$distribution_id" --paths "${paths[@]}" \
  --query Invalidation.Id --output text

echo "Done: $web_url (the invalidation takes a minute or two)"
