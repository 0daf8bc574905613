package store

import (
	"context"
	"fmt"
	"strings"
)

// OpenURL returns the store a root URL names: a plain path or file://DIR for
// a local directory.
func OpenURL(ctx context.Context, root string) (Store, error) {
	_ = ctx
	root = strings.TrimPrefix(root, "file://")
	if strings.Contains(root, "://") {
		return nil, fmt.Errorf("unsupported store URL %q (want a directory or file://DIR)", root)
	}
	return NewLocal(root)
}
