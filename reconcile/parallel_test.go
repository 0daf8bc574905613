package reconcile

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestParallelFor(t *testing.T) {
	for _, workers := range []int{1, 2, 8} {
		var sum atomic.Int64
		if err := parallelFor(context.Background(), workers, 100, func(i int) error { sum.Add(int64(i)); return nil }); err != nil {
			t.Fatalf("workers %d: %v", workers, err)
		}
		if sum.Load() != 4950 {
			t.Fatalf("workers %d: sum %d", workers, sum.Load())
		}
		boom := errors.New("boom")
		if err := parallelFor(context.Background(), workers, 100, func(i int) error {
			if i == 50 {
				return boom
			}
			return nil
		}); !errors.Is(err, boom) {
			t.Fatalf("workers %d: %v", workers, err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := parallelFor(ctx, workers, 100, func(int) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Fatalf("workers %d: canceled: %v", workers, err)
		}
	}
}

func TestPartitionBits(t *testing.T) {
	for _, c := range []struct {
		n, target int
		want      uint
	}{{0, 0, 0}, {1 << 15, 0, 0}, {1<<15 + 1, 0, 1}, {1 << 20, 0, 5}, {1 << 40, 0, 10}, {100, 4, 5}} {
		if got := partitionBits(c.n, Options{PartitionRows: c.target}); got != c.want {
			t.Errorf("partitionBits(%d, %d) = %d, want %d", c.n, c.target, got, c.want)
		}
	}
}
