// blessed and blessed-contrib ship no types; the view uses a small, checked surface of them.
declare module 'blessed' {
  const blessed: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  export default blessed;
}
declare module 'blessed-contrib' {
  const contrib: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  export default contrib;
}
