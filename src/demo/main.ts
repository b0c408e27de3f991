// `npm start`: placeholder replaced below
