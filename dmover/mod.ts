/**
 * The data mover: sessions bound to one function, scatter/gather requests, completions.
 *
 * @module
 */
export {};
