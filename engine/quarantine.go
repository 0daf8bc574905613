package engine

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/recon-dev/recon/ingest"
	"github.com/recon-dev/recon/store"
)

// quarantine copies each rejected input under quarantine/date=D/, keeping
// its key, with a .reason.txt beside it. Inputs stay where they are: the
// engine never deletes what banks and platforms upload.
func quarantine(ctx context.Context, st store.Store, date string, rejects []ingest.Rejection) error {
	for _, rj := range rejects {
		dst := QuarantinePrefix(date) + rj.Key
		obj, err := st.Open(ctx, rj.Key)
		if err != nil {
			return fmt.Errorf("quarantine %s: %w", rj.Key, err)
		}
		err = st.Put(ctx, dst, io.NewSectionReader(obj, 0, obj.SizeBytes()), obj.SizeBytes())
		obj.Close()
		if err != nil {
			return fmt.Errorf("quarantine %s: %w", rj.Key, err)
		}
		reason := fmt.Sprintf("%s\n\nrejected by recon %s for business date %s; the file was not reconciled.\n", rj.Reason.Error(), Version, date)
		if err := st.Put(ctx, dst+".reason.txt", strings.NewReader(reason), int64(len(reason))); err != nil {
			return fmt.Errorf("quarantine %s: %w", rj.Key, err)
		}
	}
	return nil
}
