package store

import (
	"context"
	"fmt"
	"strings"
)

// OpenURL returns the store a root URL names:
//
//   - a plain path or file://DIR: a local directory (Local), created if
//     missing;
//   - s3://BUCKET[/PREFIX]: that prefix of an S3 bucket (S3), with its
//     settings read through getenv by S3ConfigFromEnv (AWS_ACCESS_KEY_ID,
//     AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION,
//     AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, AWS_MAX_ATTEMPTS).
//
// Commands pass os.Getenv; tests pass a lookup in a map. A nil getenv reads
// no variable (anonymous requests to AWS). OpenURL makes no request: a
// missing bucket or bad credentials show on the first operation. Use NewS3
// directly to pass an S3Config built some other way.
func OpenURL(ctx context.Context, root string, getenv func(string) string) (Store, error) {
	_ = ctx
	if rest, ok := strings.CutPrefix(root, "s3://"); ok {
		bucket, prefix, _ := strings.Cut(rest, "/")
		if bucket == "" {
			return nil, fmt.Errorf("store URL %q names no bucket (want s3://BUCKET/PREFIX)", root)
		}
		if strings.ContainsAny(rest, "?#") {
			return nil, fmt.Errorf("store URL %q: no query or fragment allowed", root)
		}
		if getenv != nil {
			if _, err := parseMaxAttempts(strings.TrimSpace(getenv("AWS_MAX_ATTEMPTS"))); err != nil {
				return nil, err
			}
		}
		return NewS3(S3ConfigFromEnv(getenv), bucket, prefix)
	}
	root = strings.TrimPrefix(root, "file://")
	if strings.Contains(root, "://") {
		return nil, fmt.Errorf("unsupported store URL %q (want a directory, file://DIR or s3://BUCKET/PREFIX)", root)
	}
	if root == "" {
		return nil, fmt.Errorf("empty store root (want a directory, file://DIR or s3://BUCKET/PREFIX)")
	}
	return NewLocal(root)
}
