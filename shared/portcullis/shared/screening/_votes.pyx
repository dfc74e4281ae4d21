# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""The index's candidate vote in one C pass: the blocking keys' postings merged, each slot's votes summed, the most
voted chosen; the same slots as the numpy steps it replaces (`matcher._most_voted_numpy`), numerically.

Those steps are some twenty numpy calls a query (a merge by stable argsort, `add.reduceat`, one binary search a
common key, `argpartition`), each 0.5-1 us whatever its size on a few hundred slots; together they were about a
quarter of a screening. Compiled with Cython by `python -m portcullis.shared.compiled` with the mypyc core, stamped
with its source's digest like the others, and never imported when outdated: the matcher then runs the numpy steps.

Same numbers, not merely the same order: a slot's vote is its first key's weight plus numpy's pairwise sum of the
rest (what `np.add.reduceat` computes over a segment), then each common key's weight added in turn, then the
tie-breaker less the vote, as the numpy steps do; the smallest `max_candidates` of these are chosen (distinct by
construction of the tie-breakers), returned in slot order.
"""

cimport numpy as cnp
from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport free, malloc

cnp.import_array()

cdef enum:
    # numpy's block size of its pairwise summation (PW_BLOCKSIZE).
    _BLOCK = 128
    # A slot and the index of the piece it came from, in one heap key: pieces are few (a query's keys).
    _PIECE_BITS = 16


cdef double _pairwise_sum(const double* a, Py_ssize_t n) noexcept nogil:
    """numpy's `pairwise_sum` of float64 (numpy/_core/src/umath/loops_utils.h.src), step for step."""
    cdef Py_ssize_t i, half
    cdef double res
    cdef double r0, r1, r2, r3, r4, r5, r6, r7
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[i]
        return res
    if n <= _BLOCK:
        r0 = a[0]
        r1 = a[1]
        r2 = a[2]
        r3 = a[3]
        r4 = a[4]
        r5 = a[5]
        r6 = a[6]
        r7 = a[7]
        i = 8
        while i < n - (n % 8):
            r0 += a[i]
            r1 += a[i + 1]
            r2 += a[i + 2]
            r3 += a[i + 3]
            r4 += a[i + 4]
            r5 += a[i + 5]
            r6 += a[i + 6]
            r7 += a[i + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[i]
            i += 1
        return res
    half = n // 2
    half -= half % 8
    return _pairwise_sum(a, half) + _pairwise_sum(a + half, n - half)


cdef inline void _sift_down(uint64_t* heap, Py_ssize_t size, Py_ssize_t at) noexcept nogil:
    cdef Py_ssize_t child
    cdef uint64_t item = heap[at]
    while True:
        child = 2 * at + 1
        if child >= size:
            break
        if child + 1 < size and heap[child + 1] < heap[child]:
            child += 1
        if heap[child] >= item:
            break
        heap[at] = heap[child]
        at = child
    heap[at] = item


cdef inline bint _holds(const cnp.npy_intp* posting, Py_ssize_t length, cnp.npy_intp slot, Py_ssize_t* start) noexcept nogil:
    """Whether the sorted posting holds the slot; `start` moves past what the next (larger) slot cannot be."""
    cdef Py_ssize_t low = start[0], high = length, middle
    while low < high:
        middle = (low + high) >> 1
        if posting[middle] < slot:
            low = middle + 1
        else:
            high = middle
    start[0] = low
    return low < length and posting[low] == slot


cdef const cnp.npy_intp* _slots_of(object array, Py_ssize_t* length) except NULL:
    """The data of a C-contiguous intp array (checked: anything else would be read as if it were one)."""
    cdef cnp.ndarray checked = <cnp.ndarray?>array
    if cnp.PyArray_TYPE(checked) != cnp.NPY_INTP or cnp.PyArray_NDIM(checked) != 1 or not cnp.PyArray_IS_C_CONTIGUOUS(checked):
        raise TypeError("slots must be a one-dimensional contiguous intp array")
    length[0] = cnp.PyArray_DIM(checked, 0)
    return <const cnp.npy_intp*>cnp.PyArray_DATA(checked)


def most_voted(
    list pieces,
    list weights,
    object searched,
    list common,
    object tie_breakers,
    Py_ssize_t max_candidates,
):
    """The candidate slots, in slot order: the union of `pieces` (sorted intp arrays of slots, each with the weight
    of its vote in `weights`), less the slots `searched` (a bool or uint8 array by slot, or None) marks 0; if more than
    `max_candidates`, the most voted of them, a slot's vote being its pieces' weights summed as numpy sums them,
    plus the weight of each `common` key (pairs of a sorted intp array and a weight) whose posting holds it, and
    equal votes ordered by `tie_breakers` (float64 by slot, subtracted from the votes: the lowest go first)."""
    cdef Py_ssize_t count = len(pieces)
    cdef Py_ssize_t total = 0, length, i, j, found, size, gathered, chosen_count, worst
    cdef Py_ssize_t start
    cdef cnp.npy_intp slot, previous
    cdef uint64_t key
    cdef double value
    cdef const cnp.npy_intp** data = NULL
    cdef Py_ssize_t* lengths = NULL
    cdef Py_ssize_t* heads = NULL
    cdef double* piece_weights = NULL
    cdef uint64_t* heap = NULL
    cdef double* shares = NULL
    cdef cnp.npy_intp* slots = NULL
    cdef double* votes = NULL
    cdef Py_ssize_t* chosen = NULL
    cdef const unsigned char* kinds = NULL
    cdef Py_ssize_t kinds_length = 0, ties_length
    cdef const double* ties
    cdef const cnp.npy_intp* posting
    cdef cnp.ndarray checked
    if count == 0 or max_candidates <= 0:
        return []
    if count >= (1 << _PIECE_BITS):
        raise ValueError("too many pieces")
    if searched is not None:
        checked = <cnp.ndarray?>searched
        if cnp.PyArray_TYPE(checked) not in (cnp.NPY_BOOL, cnp.NPY_UINT8) or not cnp.PyArray_IS_C_CONTIGUOUS(checked):
            raise TypeError("searched must be a contiguous bool or uint8 array")
        kinds = <const unsigned char*>cnp.PyArray_DATA(checked)
        kinds_length = cnp.PyArray_SIZE(checked)
    try:
        data = <const cnp.npy_intp**>malloc(count * sizeof(cnp.npy_intp*))
        lengths = <Py_ssize_t*>malloc(count * sizeof(Py_ssize_t))
        heads = <Py_ssize_t*>malloc(count * sizeof(Py_ssize_t))
        piece_weights = <double*>malloc(count * sizeof(double))
        heap = <uint64_t*>malloc(count * sizeof(uint64_t))
        shares = <double*>malloc(count * sizeof(double))
        if not (data and lengths and heads and piece_weights and heap and shares):
            raise MemoryError()
        size = 0
        for i in range(count):
            data[i] = _slots_of(pieces[i], &length)
            lengths[i] = length
            piece_weights[i] = weights[i]
            total += length
            if length:
                if data[i][0] < 0:
                    raise ValueError("a negative slot")
                heads[i] = 1
                heap[size] = ((<uint64_t>data[i][0]) << _PIECE_BITS) | <uint64_t>i
                size += 1
        slots = <cnp.npy_intp*>malloc((total + 1) * sizeof(cnp.npy_intp))
        votes = <double*>malloc((total + 1) * sizeof(double))
        if not (slots and votes):
            raise MemoryError()
        # A k-way merge by a heap of (slot, piece): a slot's pieces come out in piece order, as a stable sort of the
        # pieces put one after the other leaves them.
        i = size // 2
        while i > 0:
            i -= 1
            _sift_down(heap, size, i)
        found = 0
        gathered = 0
        previous = -1
        while size:
            key = heap[0]
            slot = <cnp.npy_intp>(key >> _PIECE_BITS)
            j = <Py_ssize_t>(key & ((1 << _PIECE_BITS) - 1))
            if kinds != NULL and slot >= kinds_length:
                raise IndexError("a slot beyond the searched slots")
            if slot != previous:
                if gathered and (kinds == NULL or kinds[previous]):
                    slots[found] = previous
                    votes[found] = shares[0] + _pairwise_sum(shares + 1, gathered - 1)
                    found += 1
                gathered = 0
                previous = slot
            shares[gathered] = piece_weights[j]
            gathered += 1
            if heads[j] < lengths[j]:
                heap[0] = ((<uint64_t>data[j][heads[j]]) << _PIECE_BITS) | <uint64_t>j
                heads[j] += 1
            else:
                size -= 1
                heap[0] = heap[size]
            if size:
                _sift_down(heap, size, 0)
        if gathered and (kinds == NULL or kinds[previous]):
            slots[found] = previous
            votes[found] = shares[0] + _pairwise_sum(shares + 1, gathered - 1)
            found += 1
        if found <= max_candidates:
            return [slots[i] for i in range(found)]
        for pair in common:
            posting = _slots_of(pair[0], &length)
            value = pair[1]
            start = 0
            for i in range(found):
                if _holds(posting, length, slots[i], &start):
                    votes[i] = votes[i] + value
        checked = <cnp.ndarray?>tie_breakers
        if cnp.PyArray_TYPE(checked) != cnp.NPY_DOUBLE or not cnp.PyArray_IS_C_CONTIGUOUS(checked):
            raise TypeError("tie_breakers must be a contiguous float64 array")
        ties = <const double*>cnp.PyArray_DATA(checked)
        ties_length = cnp.PyArray_SIZE(checked)
        if slots[found - 1] >= ties_length:
            raise IndexError("a slot beyond the tie-breakers")
        for i in range(found):
            votes[i] = ties[slots[i]] - votes[i]
        # The `max_candidates` lowest: kept in a list sorted by value (the worst last), a new one inserted in place.
        chosen = <Py_ssize_t*>malloc(max_candidates * sizeof(Py_ssize_t))
        if not chosen:
            raise MemoryError()
        chosen_count = 0
        for i in range(found):
            value = votes[i]
            if chosen_count == max_candidates:
                if value >= votes[chosen[chosen_count - 1]]:
                    continue
                chosen_count -= 1
            j = chosen_count
            while j > 0 and votes[chosen[j - 1]] > value:
                chosen[j] = chosen[j - 1]
                j -= 1
            chosen[j] = i
            chosen_count += 1
        # In slot order (positions in the merged slots are in slot order).
        for i in range(1, chosen_count):
            worst = chosen[i]
            j = i
            while j > 0 and chosen[j - 1] > worst:
                chosen[j] = chosen[j - 1]
                j -= 1
            chosen[j] = worst
        return [slots[chosen[i]] for i in range(chosen_count)]
    finally:
        free(data)
        free(lengths)
        free(heads)
        free(piece_weights)
        free(heap)
        free(shares)
        free(slots)
        free(votes)
        free(chosen)
