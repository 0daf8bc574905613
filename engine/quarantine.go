package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/recon-dev/recon/ingest"
	"github.com/recon-dev/recon/report"
	"github.com/recon-dev/recon/store"
)

// quarantine copies each rejected input under quarantine/date=D/, keeping
// its key, with a .reason.txt beside it, and returns both as outputs for
// the manifest. Inputs stay where they are: the engine never deletes what
// banks and platforms upload.
func quarantine(ctx context.Context, st store.Store, date string, rejects []ingest.Rejection) ([]report.Output, error) {
	var outs []report.Output
	for _, rj := range rejects {
		dst := QuarantinePrefix(date) + rj.Key
		o, err := copyObject(ctx, st, rj.Key, dst)
		if err != nil {
			return nil, fmt.Errorf("quarantine %s: %w", rj.Key, err)
		}
		outs = append(outs, o)
		reason := fmt.Sprintf("%s\n\nrejected by recon %s for business date %s; the file was not reconciled.\n", rj.Reason.Error(), Version, date)
		o, err = put(ctx, st, dst+".reason.txt", []byte(reason))
		if err != nil {
			return nil, fmt.Errorf("quarantine %s: %w", rj.Key, err)
		}
		outs = append(outs, o)
	}
	return outs, nil
}

// copyObject copies an object within the store and returns the copy as an
// output, with its checksum.
func copyObject(ctx context.Context, st store.Store, src, dst string) (report.Output, error) {
	obj, err := st.Open(ctx, src)
	if err != nil {
		return report.Output{}, err
	}
	defer obj.Close()
	size := obj.SizeBytes()
	sum, err := store.SHA256(ctx, obj, size)
	if err != nil {
		return report.Output{}, err
	}
	if err := st.Put(ctx, dst, io.NewSectionReader(obj, 0, size), size); err != nil {
		return report.Output{}, err
	}
	return report.Output{Key: dst, SizeBytes: size, SHA256: sum}, nil
}
