package reconcile

// prefetchAhead is how many iterations ahead loops over tables larger than
// the caches prefetch what they will read or write (see prefetch): enough
// misses in flight to cover the memory's latency.
const prefetchAhead = 16
